package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldNode;
import io.herald.protocol.CloseCodes;
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
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Authentication against real nodes and a real WebSocket client: how a client presents its token,
 * what is refused and how, token expiry and refresh during a session, the key types a node can be
 * configured with, and the REST API's role check.
 */
@DisplayName("Authentication: JWTs on /ws and the REST API")
class AuthTest {
  static final int AUTH_TIMEOUT_MS = 500;
  static final String OTHER_SECRET = "another-secret-0123456789-abcdefghijklmn";

  @RegisterExtension
  static final TestNodes nodes = new TestNodes();
  /** The HS256 node most specifications run against. */
  static int port;
  static HeraldNode node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("ws.auth-timeout-ms", AUTH_TIMEOUT_MS, "jwt.leeway-seconds", 0));
    port = node.httpPort();
  }

  // ---------------------------------------------------------------- presenting a token

  @Nested
  @DisplayName("a client presents its token")
  class Presenting {
    @Test
    @DisplayName("as Authorization: Bearer on the upgrade")
    void header() {
      try (TestSocket s = TestSocket.open(port, "/ws", "Authorization", "Bearer " + Tokens.user("u-header"))) {
        assertThat(s.expect("connected").getJsonObject("data").getString("userId")).isEqualTo("u-header");
      }
    }

    @Test
    @DisplayName("as ?token= on the upgrade URL")
    void query() {
      try (TestSocket s = TestSocket.open(port, "/ws?token=" + Tokens.user("u-query"))) {
        assertThat(s.expect("connected").getJsonObject("data").getString("userId")).isEqualTo("u-query");
      }
    }

    @Test
    @DisplayName("as a first auth frame, whose id is echoed on connected")
    void firstFrame() {
      try (TestSocket s = TestSocket.open(port, "/ws")) {
        s.send("auth", new JsonObject().put("token", Tokens.user("u-frame")), "a-1");
        JsonObject connected = s.next();
        assertThat(connected.getString("event")).isEqualTo("connected");
        assertThat(connected.getString("id")).isEqualTo("a-1");
        assertThat(connected.getJsonObject("data").getString("userId")).isEqualTo("u-frame");
      }
    }

    @Test
    @DisplayName("as a first auth frame, and frames sent right behind it are answered after connected")
    void framesBehindAuth() {
      try (TestSocket s = TestSocket.open(port, "/ws")) {
        s.send("auth", new JsonObject().put("token", Tokens.user("u-eager")), null);
        s.send("ping", new JsonObject(), 1);
        assertThat(s.next().getString("event")).isEqualTo("connected");
        // the pong and the catch-up's unread_count come in either order
        JsonObject pong = s.nextMatching(f -> !"unread_count".equals(f.getString("event")), "the reply to the ping");
        assertThat(pong.getString("event")).isEqualTo("pong");
        assertThat(pong.getInteger("id")).isEqualTo(1);
      }
    }

    @Test
    @DisplayName("once authenticated, another auth frame is a BAD_REQUEST, not a re-login")
    void secondAuthFrame() {
      try (TestSocket s = TestSocket.connect(port, Tokens.user("u-twice"))) {
        JsonObject r = s.request("auth", new JsonObject().put("token", Tokens.user("someone-else")));
        assertThat(r.getJsonObject("data").getString("code")).isEqualTo("BAD_REQUEST");
        assertThat(s.isClosed()).isFalse();
      }
    }
  }

  // ---------------------------------------------------------------- refusals

  /** How the tests hand a token to the node. */
  enum Delivery {
    HEADER, QUERY, FIRST_FRAME;

    TestSocket open(int port, String token) {
      return switch (this) {
        case HEADER -> TestSocket.open(port, "/ws", "Authorization", "Bearer " + token);
        case QUERY -> TestSocket.open(port, "/ws?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        case FIRST_FRAME -> {
          TestSocket s = TestSocket.open(port, "/ws");
          s.send("auth", new JsonObject().put("token", token), null);
          yield s;
        }
      };
    }
  }

  static Stream<Arguments> badTokens() {
    long now = Tokens.now();
    Map<String, String> bad = new java.util.LinkedHashMap<>();
    bad.put("an expired token", Tokens.signRaw(new JsonObject().put("sub", "u").put("exp", now - 30), TestNodes.SECRET));
    bad.put("a token whose nbf is in the future", Tokens.signRaw(
        new JsonObject().put("sub", "u").put("nbf", now + 600).put("exp", now + 3600), TestNodes.SECRET));
    bad.put("a token signed with another secret", Tokens.signRaw(
        new JsonObject().put("sub", "u").put("exp", now + 3600), OTHER_SECRET));
    bad.put("an unsigned token (alg: none)", Tokens.unsigned(new JsonObject().put("sub", "u").put("exp", now + 3600)));
    bad.put("a token without the user claim", Tokens.sign(new JsonObject().put("name", "u"), 3600));
    bad.put("a token with a blank user claim", Tokens.sign(new JsonObject().put("sub", " "), 3600));
    bad.put("garbage", "not a jwt");
    bad.put("a token whose payload was altered", alterPayload(Tokens.user("u-victim"), "u-attacker"));
    return bad.entrySet().stream().flatMap(e -> Stream.of(Delivery.values())
        .map(d -> Arguments.of(e.getKey(), e.getValue(), d)));
  }

  @ParameterizedTest(name = "{0}, presented as {2}")
  @MethodSource("badTokens")
  @DisplayName("a bad token is refused: one UNAUTHORIZED error frame, then close 4401")
  void badTokenRefused(String what, String token, Delivery delivery) {
    try (TestSocket s = delivery.open(port, token)) {
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("no token and no frame within ws.auth-timeout-ms is refused")
  void authTimeout() {
    long opened = System.nanoTime();
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      JsonObject error = assertRefused(s);
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      assertThat(waitedMs).isBetween(AUTH_TIMEOUT_MS - 50L, AUTH_TIMEOUT_MS + 4000L);
      assertThat(error.getJsonObject("data").getString("message")).contains(AUTH_TIMEOUT_MS + " ms");
    }
  }

  @Test
  @DisplayName("a first frame that is not auth is refused, and not answered")
  void firstFrameNotAuth() {
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      s.send("ping", new JsonObject(), 1);
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("a first frame that is not JSON is refused")
  void firstFrameNotJson() {
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      s.send("hello");
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("a binary first frame is refused")
  void firstFrameBinary() {
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      Await.result(s.raw().writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(new byte[] {1, 2})));
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("an auth frame without a token is refused")
  void authFrameWithoutToken() {
    try (TestSocket s = TestSocket.open(port, "/ws")) {
      s.send("auth", new JsonObject(), "a-2");
      assertRefused(s);
    }
  }

  @Test
  @DisplayName("an empty Bearer header counts as no token: the client may still authenticate with a frame")
  void emptyBearer() {
    try (TestSocket s = TestSocket.open(port, "/ws", "Authorization", "Bearer ")) {
      s.send("auth", new JsonObject().put("token", Tokens.user("u-empty-bearer")), null);
      assertThat(s.expect("connected").getJsonObject("data").getString("userId")).isEqualTo("u-empty-bearer");
    }
  }

  @Test
  @DisplayName("the HS256 secret is used as its UTF-8 bytes")
  void secretAsUtf8Bytes() {
    String secret = "ключ-für-herald-0123456789-ünïcødé";
    withNode(Map.of("jwt.secret", secret), nodePort -> {
      String token = hs256(new JsonObject().put("sub", "u-utf8").put("exp", Tokens.now() + 3600),
          secret.getBytes(StandardCharsets.UTF_8));
      try (TestSocket s = TestSocket.connect(nodePort, token)) {
        assertThat(s.isClosed()).isFalse();
      }
      String latin1 = hs256(new JsonObject().put("sub", "u-utf8").put("exp", Tokens.now() + 3600),
          secret.getBytes(StandardCharsets.ISO_8859_1));
      try (TestSocket s = Delivery.HEADER.open(nodePort, latin1)) {
        assertRefused(s);
      }
    });
  }

  // ---------------------------------------------------------------- expiry and refresh

  @Nested
  @DisplayName("during a session")
  class DuringASession {
    @Test
    @DisplayName("the session is closed with UNAUTHORIZED and 4401 when its token expires")
    void expiry() {
      long exp = Tokens.now() + 2;
      try (TestSocket s = TestSocket.connect(port, expiringAt("u-expiring", exp))) {
        short code = s.awaitClose();
        long closedAt = System.currentTimeMillis();
        assertThat(code).isEqualTo(CloseCodes.UNAUTHORIZED);
        assertThat(closedAt).isGreaterThanOrEqualTo(exp * 1000);
        List<JsonObject> frames = s.drain();
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).getString("event")).isEqualTo("error");
        assertThat(frames.get(0).getJsonObject("data").getString("code")).isEqualTo("UNAUTHORIZED");
      }
    }

    @Test
    @DisplayName("many sessions expire each at its own token's time, whatever order they connected in, and a closed one leaves the others' expiry alone")
    void manyExpiries() {
      long now = Tokens.now();
      long[] offsets = {4, 2, 3, 2, 5, 3, 4, 2}; // seconds; more sockets than event loops, so loops hold several
      List<TestSocket> sockets = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < offsets.length; i++) {
          sockets.add(TestSocket.connect(port, expiringAt("u-many-" + i, now + offsets[i])));
        }
        TestSocket early = TestSocket.connect(port, expiringAt("u-many-closed", now + 2));
        early.close(); // its deadline is cancelled; the others' stay
        TestSocket lasting = TestSocket.connect(port, Tokens.user("u-many-lasting"));
        sockets.add(lasting);
        List<io.vertx.core.Future<Long>> closedAt = new java.util.ArrayList<>();
        for (int i = 0; i < offsets.length; i++) {
          closedAt.add(sockets.get(i).closed().map(code -> {
            assertThat(code).isEqualTo(CloseCodes.UNAUTHORIZED);
            return System.currentTimeMillis();
          }));
        }
        for (int i = 0; i < offsets.length; i++) {
          long at = io.herald.test.Await.result(closedAt.get(i), 15);
          assertThat(at).as("socket %d (exp +%d s)", i, offsets[i]).isGreaterThanOrEqualTo((now + offsets[i]) * 1000);
          assertThat(at).as("socket %d (exp +%d s)", i, offsets[i]).isLessThan((now + offsets[i]) * 1000 + 5000);
        }
        assertStillOpen(lasting);
      } finally {
        sockets.forEach(TestSocket::close);
      }
    }

    @Test
    @DisplayName("refresh-token with a later token for the same user keeps the session open past the old expiry")
    void refresh() {
      long oldExp = Tokens.now() + 2;
      long newExp = Tokens.now() + 600;
      try (TestSocket s = TestSocket.connect(port, expiringAt("u-refresh", oldExp))) {
        JsonObject reply = s.request("refresh-token", new JsonObject().put("token", expiringAt("u-refresh", newExp)));
        assertThat(reply.getString("event")).isEqualTo("token-refreshed");
        assertThat(reply.getJsonObject("data").getLong("expiresAt")).isEqualTo(newExp);

        assertOpenUntil(s, oldExp * 1000 + 1000);
        assertThat(s.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
      }
    }

    @Test
    @DisplayName("refresh-token with another user's token is UNAUTHORIZED and the session stays open")
    void refreshOtherUser() {
      try (TestSocket s = TestSocket.connect(port, Tokens.user("u-mine"))) {
        JsonObject reply = s.request("refresh-token", new JsonObject().put("token", Tokens.user("u-theirs")));
        assertUnauthorizedReply(reply);
        assertStillOpen(s);
      }
    }

    @Test
    @DisplayName("refresh-token with an invalid token is UNAUTHORIZED and the session stays open")
    void refreshInvalid() {
      try (TestSocket s = TestSocket.connect(port, Tokens.user("u-invalid-refresh"))) {
        String forged = Tokens.signRaw(new JsonObject().put("sub", "u-invalid-refresh").put("exp", Tokens.now() + 7200),
            OTHER_SECRET);
        assertUnauthorizedReply(s.request("refresh-token", new JsonObject().put("token", forged)));
        assertUnauthorizedReply(s.request("refresh-token", new JsonObject().put("token", "garbage")));
        assertStillOpen(s);
      }
    }

    @Test
    @DisplayName("refresh-token with a token that does not expire later is UNAUTHORIZED, and the old expiry still holds")
    void refreshNotLater() {
      long exp = Tokens.now() + 2;
      try (TestSocket s = TestSocket.connect(port, expiringAt("u-not-later", exp))) {
        assertUnauthorizedReply(s.request("refresh-token", new JsonObject().put("token", expiringAt("u-not-later", exp))));
        assertThat(s.awaitClose()).isEqualTo(CloseCodes.UNAUTHORIZED);
      }
    }
  }

  // ---------------------------------------------------------------- key types

  @Nested
  @DisplayName("a node configured with")
  class Keys {
    @TempDir
    Path dir;

    @Test
    @DisplayName("an RS256 public key as inline PEM accepts tokens signed with its private key only")
    void rs256Inline() throws Exception {
      KeyPair keys = rsa();
      assertPublicKeyNode("RS256", pem("PUBLIC KEY", keys.getPublic().getEncoded()), keys, rsa());
    }

    @Test
    @DisplayName("an RS256 public key as a PEM file path accepts tokens signed with its private key only")
    void rs256File() throws Exception {
      KeyPair keys = rsa();
      Path file = Files.writeString(dir.resolve("rs256.pem"), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
      assertPublicKeyNode("RS256", file.toString(), keys, rsa());
    }

    @Test
    @DisplayName("an ES256 public key as inline PEM accepts tokens signed with its private key only")
    void es256Inline() throws Exception {
      KeyPair keys = ec();
      assertPublicKeyNode("ES256", pem("PUBLIC KEY", keys.getPublic().getEncoded()), keys, ec());
    }

    private void assertPublicKeyNode(String alg, String publicKey, KeyPair keys, KeyPair otherKeys) {
      String pub = pem("PUBLIC KEY", keys.getPublic().getEncoded());
      withNode(Map.of("jwt.secret", "", "jwt.public-key", publicKey, "jwt.public-key-algorithm", alg), nodePort -> {
        JsonObject claims = new JsonObject().put("sub", "u-" + alg);
        try (TestSocket s = TestSocket.connect(nodePort, signWith(alg, keys, claims))) {
          assertThat(s.isClosed()).isFalse();
        }
        try (TestSocket s = Delivery.HEADER.open(nodePort, signWith(alg, otherKeys, claims))) {
          assertRefused(s);
        }
        try (TestSocket s = Delivery.HEADER.open(nodePort, Tokens.user("u-hs256"))) {
          assertRefused(s);
        }
        // Algorithm confusion: an HS256 token whose HMAC key is the public key text.
        String confused = hs256(claims.copy().put("exp", Tokens.now() + 3600), pub.getBytes(StandardCharsets.UTF_8));
        try (TestSocket s = Delivery.HEADER.open(nodePort, confused)) {
          assertRefused(s);
        }
      });
    }

    @Test
    @DisplayName("a JWKS URL accepts tokens signed with a key the document lists, and follows key rotation")
    void jwks() throws Exception {
      KeyPair keys = rsa();
      KeyPair otherKeys = rsa();
      RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
      JsonObject doc = new JsonObject().put("keys", new JsonArray().add(new JsonObject()
          .put("kty", "RSA").put("kid", "k1").put("use", "sig").put("alg", "RS256")
          .put("n", b64url(pub.getModulus())).put("e", b64url(pub.getPublicExponent()))));
      RSAPublicKey rotated = (RSAPublicKey) otherKeys.getPublic();
      HttpServer jwksServer = Await.result(TestSocket.vertx().createHttpServer()
          .requestHandler(req -> {
            if (req.path().equals("/.well-known/jwks.json")) {
              req.response().putHeader("content-type", "application/json").end(doc.encode());
            } else {
              req.response().setStatusCode(404).end();
            }
          })
          .listen(0, "127.0.0.1"));
      try {
        String url = "http://127.0.0.1:" + jwksServer.actualPort() + "/.well-known/jwks.json";
        withNode(Map.of("jwt.secret", "", "jwt.jwks-url", url, "jwt.jwks-refresh-ms", 1000), nodePort -> {
          try (TestSocket s = TestSocket.connect(nodePort, signWith("RS256", keys, new JsonObject().put("sub", "u-jwks")))) {
            assertThat(s.isClosed()).isFalse();
          }
          try (TestSocket s = Delivery.HEADER.open(nodePort, signWith("RS256", otherKeys, new JsonObject().put("sub", "u-jwks")))) {
            assertRefused(s);
          }
          // The issuer rotates to the other key: after the next refresh its tokens are accepted.
          doc.put("keys", new JsonArray().add(new JsonObject()
              .put("kty", "RSA").put("kid", "k2").put("use", "sig").put("alg", "RS256")
              .put("n", b64url(rotated.getModulus())).put("e", b64url(rotated.getPublicExponent()))));
          String token = signWith("RS256", otherKeys, new JsonObject().put("sub", "u-jwks"));
          long deadline = System.currentTimeMillis() + 10_000;
          int status = 401;
          while (status != 200 && System.currentTimeMillis() < deadline) {
            Await.result(TestSocket.vertx().timer(200));
            status = io.herald.test.Http.get(nodePort, "/api/notifications/unread-count", token).status();
          }
          assertThat(status).as("a token signed with the rotated key").isEqualTo(200);
        });
        String missing = "http://127.0.0.1:" + jwksServer.actualPort() + "/nothing-here";
        assertThatThrownBy(() -> nodes.start(Map.of("jwt.secret", "", "jwt.jwks-url", missing)))
            .hasStackTraceContaining("404");
      } finally {
        Await.result(jwksServer.close());
      }
    }

    @Test
    @DisplayName("a custom jwt.user-claim takes the user id from that claim")
    void userClaim() {
      withNode(Map.of("jwt.user-claim", "uid"), nodePort -> {
        String token = Tokens.sign(new JsonObject().put("uid", "u-custom").put("sub", "not-this"), 3600);
        try (TestSocket s = TestSocket.open(nodePort, "/ws", "Authorization", "Bearer " + token)) {
          assertThat(s.expect("connected").getJsonObject("data").getString("userId")).isEqualTo("u-custom");
        }
        try (TestSocket s = Delivery.HEADER.open(nodePort, Tokens.user("u-sub-only"))) {
          assertRefused(s);
        }
      });
    }

    @Test
    @DisplayName("jwt.issuer and jwt.audience refuse tokens with another or no iss / aud")
    void issuerAndAudience() {
      withNode(Map.of("jwt.issuer", "https://issuer.test", "jwt.audience", "herald"), nodePort -> {
        JsonObject good = new JsonObject().put("sub", "u-iss").put("iss", "https://issuer.test").put("aud", "herald");
        try (TestSocket s = TestSocket.connect(nodePort, Tokens.sign(good, 3600))) {
          assertThat(s.isClosed()).isFalse();
        }
        for (JsonObject bad : List.of(
            good.copy().put("iss", "https://evil.test"),
            good.copy().put("aud", "someone-else"),
            without(good, "iss"),
            without(good, "aud"))) {
          try (TestSocket s = Delivery.HEADER.open(nodePort, Tokens.sign(bad, 3600))) {
            assertRefused(s);
          }
        }
      });
    }
  }

  // ---------------------------------------------------------------- REST

  @Nested
  @DisplayName("the REST API")
  class Rest {
    static final String PATH = "/api/gateway/connected";

    @Test
    @DisplayName("without a token answers 401 UNAUTHORIZED")
    void noToken() {
      Http.Response r = Http.get(port, PATH, null);
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("UNAUTHORIZED");
    }

    @Test
    @DisplayName("with an invalid, expired or non-Bearer token answers 401")
    void invalidToken() {
      assertThat(Http.get(port, PATH, "garbage").status()).isEqualTo(401);
      assertThat(Http.get(port, PATH, Tokens.signRaw(new JsonObject().put("sub", "backend")
          .put("roles", new JsonArray().add("service")).put("exp", Tokens.now() - 30), TestNodes.SECRET)).status())
          .isEqualTo(401);
      assertThat(Http.get(port, PATH, Tokens.unsigned(new JsonObject().put("sub", "backend")
          .put("roles", new JsonArray().add("service")))).status()).isEqualTo(401);
      Http.Response basic = Await.result(TestSocket.vertx().createHttpClient()
          .request(new io.vertx.core.http.RequestOptions().setHost("127.0.0.1").setPort(port).setURI(PATH)
              .addHeader("Authorization", "Basic " + Tokens.service()))
          .compose(req -> req.send())
          .map(resp -> new Http.Response(resp.statusCode(), null, null)));
      assertThat(basic.status()).isEqualTo(401);
    }

    @Test
    @DisplayName("with a user token answers 403 FORBIDDEN")
    void userToken() {
      Http.Response r = Http.get(port, PATH, Tokens.user("u-rest"));
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    }

    @Test
    @DisplayName("a service token is verified once, then honoured from the node's cache until it expires; user tokens are verified every time")
    void serviceTokensCached() {
      java.util.concurrent.atomic.AtomicInteger verifications = new java.util.concurrent.atomic.AtomicInteger();
      io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> counter = dc -> {
        if (dc.message().address().equals(io.herald.cluster.Addresses.AUTH_VERIFY)) {
          verifications.incrementAndGet();
        }
        dc.next();
      };
      node.vertx().eventBus().addOutboundInterceptor(counter);
      try {
        long exp = Tokens.now() + 2;
        String service = Tokens.signRaw(new JsonObject().put("sub", "backend-cached")
            .put("roles", new JsonArray().add("service")).put("exp", exp), TestNodes.SECRET);
        for (int i = 0; i < 20; i++) {
          assertThat(Http.get(port, PATH, service).status()).isEqualTo(200);
        }
        assertThat(verifications.get()).as("verifications of 20 calls with one service token").isEqualTo(1);
        String user = Tokens.user("u-not-cached");
        for (int i = 0; i < 3; i++) {
          assertThat(Http.get(port, "/api/notifications/unread-count", user).status()).isEqualTo(200);
        }
        assertThat(verifications.get()).isEqualTo(4);
        // a refused token is never kept: the same forged token is checked, and refused, each time
        String forged = Tokens.signRaw(new JsonObject().put("sub", "backend").put("roles", new JsonArray().add("service"))
            .put("exp", Tokens.now() + 60), OTHER_SECRET);
        assertThat(Http.get(port, PATH, forged).status()).isEqualTo(401);
        assertThat(Http.get(port, PATH, forged).status()).isEqualTo(401);
        assertThat(verifications.get()).isEqualTo(6);
        // once the cached token's exp has passed it is verified again, and refused
        Http.Response expired = Http.awaitStatus(port, PATH, service, 401, 10);
        assertThat(expired.json().getJsonObject("error").getString("message")).contains("expired");
        assertThat(Tokens.now()).isGreaterThanOrEqualTo(exp);
      } finally {
        node.vertx().eventBus().removeOutboundInterceptor(counter);
      }
    }

    @Test
    @DisplayName("accepts a token with the service role, or the admin role")
    void serviceAndAdmin() {
      assertThat(Http.get(port, PATH, Tokens.service()).status()).isEqualTo(200);
      assertThat(Http.get(port, PATH, withRoles("ops", "admin")).status()).isEqualTo(200);
      assertThat(Http.get(port, PATH, Tokens.sign(new JsonObject().put("sub", "b").put("roles", "user service"), 3600))
          .status()).isEqualTo(200);
    }

    @Test
    @DisplayName("jwt.service-roles replaces the roles that may call it")
    void customServiceRoles() {
      withNode(Map.of("jwt.service-roles", List.of("producer")), nodePort -> {
        assertThat(Http.get(nodePort, PATH, withRoles("producer")).status()).isEqualTo(200);
        assertThat(Http.get(nodePort, PATH, withRoles("service")).status()).isEqualTo(403);
        assertThat(Http.get(nodePort, PATH, withRoles("admin")).status()).isEqualTo(403);
      });
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A refused connection: the UNAUTHORIZED error frame is the only frame, then close 4401. Frames
   * and the close arrive in order on one connection, so after the close every frame is queued.
   */
  static JsonObject assertRefused(TestSocket s) {
    assertThat(s.awaitClose()).as("close code").isEqualTo(CloseCodes.UNAUTHORIZED);
    List<JsonObject> frames = s.drain();
    assertThat(frames).as("frames received").hasSize(1);
    JsonObject error = frames.get(0);
    assertThat(error.getString("event")).isEqualTo("error");
    assertThat(error.getJsonObject("data").getString("code")).isEqualTo("UNAUTHORIZED");
    assertThat(error.getJsonObject("data").getString("message")).isNotBlank();
    return error;
  }

  static void assertUnauthorizedReply(JsonObject reply) {
    assertThat(reply.getString("event")).isEqualTo("error");
    assertThat(reply.getJsonObject("data").getString("code")).isEqualTo("UNAUTHORIZED");
  }

  static void assertStillOpen(TestSocket s) {
    assertThat(s.request("ping", new JsonObject()).getString("event")).isEqualTo("pong");
    assertThat(s.isClosed()).isFalse();
  }

  /** Asserts that the socket is not closed before {@code epochMillis}: a bounded wait on the close. */
  static void assertOpenUntil(TestSocket s, long epochMillis) {
    long remaining = epochMillis - System.currentTimeMillis();
    try {
      Short code = s.closed().toCompletionStage().toCompletableFuture().get(Math.max(remaining, 1), TimeUnit.MILLISECONDS);
      throw new AssertionError("socket closed with " + code + " before " + epochMillis);
    } catch (TimeoutException expected) {
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(epochMillis);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Runs {@code test} against an extra node (same cluster) with these overrides, then stops it. */
  static void withNode(Map<String, Object> overrides, IntConsumer test) {
    HeraldNode node = nodes.start(overrides);
    try {
      test.accept(node.httpPort());
    } finally {
      nodes.stop(node);
    }
  }

  static String expiringAt(String sub, long exp) {
    return Tokens.signRaw(new JsonObject().put("sub", sub).put("exp", exp), TestNodes.SECRET);
  }

  static String withRoles(String... roles) {
    return Tokens.sign(new JsonObject().put("sub", "backend").put("roles", new JsonArray(List.of(roles))), 3600);
  }

  static JsonObject without(JsonObject o, String key) {
    JsonObject copy = o.copy();
    copy.remove(key);
    return copy;
  }

  /** The token with its payload's sub replaced, signature kept. */
  static String alterPayload(String token, String sub) {
    String[] parts = token.split("\\.");
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    claims.put("sub", sub);
    return parts[0] + "." + b64url(claims.encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  /** An HS256 token computed by hand (not with vertx-auth-jwt) with this raw key. */
  static String hs256(JsonObject claims, byte[] key) {
    String signingInput = b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64url(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return signingInput + "." + b64url(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs with vertx-auth-jwt from the private key's PEM, valid for an hour. */
  static String signWith(String alg, KeyPair keys, JsonObject claims) {
    JWTAuth auth = JWTAuth.create(TestSocket.vertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(pem("PRIVATE KEY", keys.getPrivate().getEncoded()))));
    return auth.generateToken(claims, new JWTOptions().setAlgorithm(alg).setExpiresInSeconds(3600));
  }

  static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  static String b64url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String b64url(BigInteger n) {
    byte[] bytes = n.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return b64url(bytes);
  }
}
