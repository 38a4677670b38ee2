package io.herald.auth;

import static io.herald.auth.AuthTest.assertRefused;
import static io.herald.auth.AuthTest.b64url;
import static io.herald.auth.AuthTest.rsa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldNode;
import io.herald.test.Await;
import io.herald.test.Http;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node whose keys come from a JWKS URL (a real HTTP server the test controls): it never verifies
 * without a key, refuses unsigned tokens whatever its keys, keeps its keys when a refresh brings
 * none, and follows a rotation as soon as a token names the new key.
 */
@DisplayName("JWKS keys")
class JwksTest {
  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  static KeyPair keys;
  static KeyPair rotatedKeys;
  /** The document the JWKS server answers with (and how often it was asked). */
  final AtomicReference<String> document = new AtomicReference<>();
  final AtomicInteger fetches = new AtomicInteger();
  HttpServer jwksServer;
  String url;

  @BeforeAll
  static void start() throws Exception {
    keys = rsa();
    rotatedKeys = rsa();
  }

  @BeforeEach
  void jwksServer() {
    document.set(jwks(key("k1", keys)).encode());
    jwksServer = Await.result(TestSocket.vertx().createHttpServer()
        .requestHandler(req -> {
          fetches.incrementAndGet();
          if (req.path().equals("/jwks.json")) {
            req.response().putHeader("content-type", "application/json").end(document.get());
          } else if (req.path().equals("/silent")) {
            // never answers
          } else {
            req.response().setStatusCode(404).end();
          }
        })
        .listen(0, "127.0.0.1"));
    url = "http://127.0.0.1:" + jwksServer.actualPort() + "/jwks.json";
  }

  @AfterEach
  void stopJwksServer() {
    Await.result(jwksServer.close());
  }

  @Test
  @DisplayName("a JWKS without keys stops the node at start, naming the URL and what it found")
  void emptyKeySetRefused() {
    document.set("{\"keys\":[]}");
    assertThatThrownBy(() -> nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url)))
        .hasStackTraceContaining(url).hasStackTraceContaining("no usable signing key").hasStackTraceContaining("empty key list");
  }

  @Test
  @DisplayName("an OIDC discovery document at the JWKS URL stops the node at start")
  void discoveryDocumentRefused() {
    document.set(new JsonObject().put("issuer", "https://issuer.test").put("jwks_uri", "https://issuer.test/keys").encode());
    assertThatThrownBy(() -> nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url)))
        .hasStackTraceContaining(url).hasStackTraceContaining("jwks_uri");
  }

  @Test
  @DisplayName("a JWKS whose only key is symmetric or for encryption stops the node at start")
  void unusableKeysRefused() {
    document.set(new JsonObject().put("keys", new JsonArray()
        .add(new JsonObject().put("kty", "oct").put("kid", "s").put("k", b64url("0123456789abcdef0123456789abcdef".getBytes())))
        .add(key("e", keys).put("use", "enc"))).encode());
    assertThatThrownBy(() -> nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url)))
        .hasStackTraceContaining("none usable").hasStackTraceContaining("symmetric").hasStackTraceContaining("encryption");
  }

  @Test
  @DisplayName("a JWKS that does not answer stops the node after jwt.jwks-timeout-ms")
  void fetchTimesOut() {
    String silent = "http://127.0.0.1:" + jwksServer.actualPort() + "/silent";
    assertThatThrownBy(() -> nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", silent, "jwt.jwks-timeout-ms", 500)))
        .hasStackTraceContaining("did not answer within 500 ms");
  }

  @Test
  @DisplayName("a refresh that brings no key keeps the previous keys: signed tokens still pass, unsigned admin tokens never do")
  void emptyRefreshKeepsKeys() {
    HeraldNode node = nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url, "jwt.jwks-refresh-ms", 1000));
    try {
      int port = node.httpPort();
      document.set("{\"keys\":[]}");
      int before = fetches.get();
      // Two refreshes later, the node still runs on the first document's key.
      long deadline = System.currentTimeMillis() + 10_000;
      while (fetches.get() < before + 2 && System.currentTimeMillis() < deadline) {
        Await.result(TestSocket.vertx().timer(100));
      }
      assertThat(fetches.get()).as("refreshes").isGreaterThanOrEqualTo(before + 2);
      try (TestSocket s = TestSocket.connect(port, sign(keys, "k1", new JsonObject().put("sub", "u-kept")))) {
        assertThat(s.isClosed()).isFalse();
      }
      JsonObject admin = new JsonObject().put("sub", "mallory").put("roles", new JsonArray().add("admin"))
          .put("exp", Tokens.now() + 3600);
      try (TestSocket s = AuthTest.Delivery.HEADER.open(port, Tokens.unsigned(admin))) {
        assertRefused(s);
      }
      assertThat(Http.post(port, "/api/broadcast", Tokens.unsigned(admin),
          new JsonObject().put("event", "pwned").put("data", new JsonObject())).status()).isEqualTo(401);
    } finally {
      nodes.stop(node);
    }
  }

  @Test
  @DisplayName("alg: none is refused even when the header also names a known kid")
  void algNoneRefused() {
    HeraldNode node = nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url));
    try {
      JsonObject claims = new JsonObject().put("sub", "mallory").put("roles", new JsonArray().add("service"))
          .put("exp", Tokens.now() + 3600);
      for (String alg : new String[] {"none", "None", "NONE"}) {
        String header = b64url(new JsonObject().put("alg", alg).put("kid", "k1").encode().getBytes());
        String token = header + "." + b64url(claims.encode().getBytes()) + ".";
        assertThat(Http.post(node.httpPort(), "/api/broadcast", token,
            new JsonObject().put("event", "pwned")).status()).as(alg).isEqualTo(401);
      }
    } finally {
      nodes.stop(node);
    }
  }

  @Test
  @DisplayName("a token signed with a key the issuer just published (unknown kid) is accepted at once, without waiting for the refresh")
  void unknownKidRefetches() {
    HeraldNode node = nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url, "jwt.jwks-min-refetch-ms", 0));
    try {
      int port = node.httpPort();
      String rotated = sign(rotatedKeys, "k2", new JsonObject().put("sub", "u-rotated"));
      // Not published yet: refused (after one refetch that still lacks it).
      try (TestSocket s = AuthTest.Delivery.HEADER.open(port, rotated)) {
        assertRefused(s);
      }
      document.set(jwks(key("k1", keys), key("k2", rotatedKeys)).encode());
      int before = fetches.get();
      try (TestSocket s = TestSocket.connect(port, rotated)) {
        assertThat(s.isClosed()).isFalse();
      }
      assertThat(fetches.get()).isEqualTo(before + 1);
    } finally {
      nodes.stop(node);
    }
  }

  @Test
  @DisplayName("unknown kids refetch at most once per jwt.jwks-min-refetch-ms")
  void refetchIsRateLimited() {
    HeraldNode node = nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", url, "jwt.jwks-min-refetch-ms", 600_000));
    try {
      int before = fetches.get();
      for (int i = 0; i < 5; i++) {
        String token = sign(rotatedKeys, "attacker-" + i, new JsonObject().put("sub", "u"));
        assertThat(Http.get(node.httpPort(), "/api/notifications/unread-count", token).status()).isEqualTo(401);
      }
      assertThat(fetches.get()).as("fetches after the start").isEqualTo(before);
    } finally {
      nodes.stop(node);
    }
  }

  static JsonObject jwks(JsonObject... keys) {
    JsonArray a = new JsonArray();
    for (JsonObject k : keys) {
      a.add(k);
    }
    return new JsonObject().put("keys", a);
  }

  static JsonObject key(String kid, KeyPair pair) {
    RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("kid", kid).put("use", "sig").put("alg", "RS256")
        .put("n", b64url(pub.getModulus())).put("e", b64url(pub.getPublicExponent()));
  }

  /** An RS256 token with {@code kid} in its header, valid for an hour. */
  static String sign(KeyPair pair, String kid, JsonObject claims) {
    JWTAuth auth = JWTAuth.create(TestSocket.vertx(), new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("RS256").setId(kid).setBuffer(AuthTest.pem("PRIVATE KEY", pair.getPrivate().getEncoded()))));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm("RS256").setExpiresInSeconds(3600));
  }
}
