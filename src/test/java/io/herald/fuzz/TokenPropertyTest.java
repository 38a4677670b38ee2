package io.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.auth.AuthException;
import io.herald.auth.Principal;
import io.herald.auth.TokenVerifier;
import io.herald.config.ConfigLoader;
import io.herald.test.Await;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * JWT handling under arbitrary and tampered tokens: the verifier answers with a principal (only
 * for the signed token itself) or an AuthException, never another failure, and never accepts a
 * header or payload it did not sign.
 */
@Label("tokens under arbitrary input")
class TokenPropertyTest {
  private static final String SIGNED = Tokens.user("fuzz-user");
  private static final TokenVerifier VERIFIER = Await.result(TokenVerifier.create(TestSocket.vertx(),
      ConfigLoader.load(Map.of("HERALD_JWT_SECRET", TestNodes.SECRET), Path.of("target/no-config-here"), Map.of())));

  private static Object outcome(String token) {
    Future<Principal> f = VERIFIER.verify(token);
    try {
      return Await.result(f, 10);
    } catch (AssertionError e) {
      Throwable cause = f.cause();
      assertThat(cause).as("the verification of %s failed with %s", token, cause).isInstanceOf(AuthException.class);
      assertThat(cause.getMessage()).isNotBlank();
      return cause;
    }
  }

  @Property(tries = 1000)
  @Label("a tampered token (a changed header, payload or signature character) is refused")
  void tampered(@ForAll("positions") int position, @ForAll("replacements") char replacement) {
    int at = position % SIGNED.length();
    if (SIGNED.charAt(at) == replacement || SIGNED.charAt(at) == '.') {
      return;
    }
    String token = SIGNED.substring(0, at) + replacement + SIGNED.substring(at + 1);
    Object result = outcome(token);
    if (result instanceof Principal p) {
      // Only a change the base64url decoder ignores (unused bits of the last character) may pass,
      // and then the claims are the signed ones.
      assertThat(p.userId()).isEqualTo("fuzz-user");
      assertThat(at).isIn(SIGNED.length() - 1, SIGNED.indexOf('.') - 1, SIGNED.lastIndexOf('.') - 1);
    }
  }

  @Property(tries = 1000)
  @Label("arbitrary three-part tokens and arbitrary strings are refused with an AuthException")
  void arbitrary(@ForAll("tokens") String token) {
    assertThat(outcome(token)).isInstanceOf(AuthException.class);
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, 10_000);
  }

  @Provide
  Arbitrary<Character> replacements() {
    return Arbitraries.chars().with("AZaz09-_=+/.% \u00e9".toCharArray());
  }

  @Provide
  Arbitrary<String> tokens() {
    Arbitrary<String> headers = Arbitraries.of("{\"alg\":\"none\"}", "{\"alg\":\"HS256\"}", "{\"alg\":\"HS512\"}",
        "{\"alg\":\"RS256\",\"kid\":\"x\"}", "{\"alg\":\"NONE\",\"typ\":\"JWT\"}", "{}", "[]", "{\"alg\":1}", "not json", "",
        "{\"alg\":\"HS256\",\"crit\":[\"x\"]}");
    Arbitrary<String> payloads = Arbitraries.of("{\"sub\":\"admin\",\"roles\":[\"service\"]}", "{}", "[]", "x", "",
        "{\"sub\":\"a\",\"exp\":99999999999}");
    Arbitrary<String> signatures = Arbitraries.oneOf(Arbitraries.of("", "AAAA", "x"), Arbitraries.strings().ofMaxLength(50));
    Arbitrary<String> shaped = Combinators.combine(headers, payloads, signatures)
        .as((h, p, s) -> b64(h) + "." + b64(p) + "." + s);
    return Arbitraries.oneOf(shaped, Arbitraries.strings().ofMaxLength(80),
        Arbitraries.of(".", "..", "...", "a.b", "a.b.c.d", " ", "Bearer x"));
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
