package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.HeraldNode;
import io.herald.cluster.Addresses;
import io.herald.push.FakePushServices.BrowserSubscription;
import io.herald.push.FakePushServices.FcmCall;
import io.herald.push.FakePushServices.WebPushCall;
import io.herald.test.Await;
import io.herald.test.Producer;
import io.herald.test.Http;
import io.herald.test.Http.Response;
import io.herald.test.TestNodes;
import io.herald.test.TestSocket;
import io.herald.test.Tokens;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("push delivery to FCM and Web Push")
class PushDeliveryTest {
  static final String SERVICE = Tokens.service();
  static FakePushServices fakes;
  static TestNodes nodes;
  static HeraldNode node;
  static int port;
  static PushDb db;

  @BeforeAll
  static void start() throws Exception {
    fakes = new FakePushServices();
    nodes = new TestNodes();
    node = nodes.start(fakes.nodeConfig());
    port = node.httpPort();
    db = new PushDb(nodes.pgUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    nodes.close();
    fakes.close();
  }

  @AfterEach
  void servicesSawOnlyWellFormedRequests() {
    assertThat(fakes.problems()).isEmpty();
  }

  @Test
  @DisplayName("a user with no connection gets the notification on every device, FCM and Web Push")
  void offlineUserIsPushed() throws Exception {
    String user = "offline-1";
    registerToken(user, "tok-offline");
    BrowserSubscription browser = subscribe(user, "sub-offline");

    JsonObject data = new JsonObject().put("orderId", 42);
    long id = notify(new JsonObject().put("userId", user).put("type", "success").put("title", "Order shipped")
        .put("message", "Your order is on its way").put("data", data));

    JsonObject message = fakes.awaitFcm("tok-offline", 1).get(0).message();
    assertThat(message.getJsonObject("notification"))
        .isEqualTo(new JsonObject().put("title", "Order shipped").put("body", "Your order is on its way"));
    assertThat(message.getJsonObject("data").getString("id")).isEqualTo(Long.toString(id));
    assertThat(message.getJsonObject("data").getString("type")).isEqualTo("success");
    assertThat(new JsonObject(message.getJsonObject("data").getString("data"))).isEqualTo(data);
    assertThat(message.containsKey("android")).isFalse();

    WebPushCall push = fakes.awaitWebPush(browser.id(), 1).get(0);
    assertThat(push.payload()).isEqualTo(new JsonObject().put("id", id).put("type", "success")
        .put("title", "Order shipped").put("message", "Your order is on its way").put("data", data));
    assertThat(push.urgency()).isEqualTo("normal");
    assertThat(push.ttl()).isEqualTo("86400");

    db.await(() -> db.outcomes(id, "fcm"), o -> o.equals(List.of("delivered")), "FCM attempt logged");
    db.await(() -> db.outcomes(id, "webpush"), o -> o.equals(List.of("delivered")), "Web Push attempt logged");
    assertThat(fakes.tokenRequests()).isEqualTo(1); // one OAuth exchange, then the cached token
  }

  @Test
  @DisplayName("a direct message to a user with no connection is pushed with the sender and a preview, collapsed per conversation; a connected receiver is not pushed")
  void directMessagePush() throws Exception {
    String receiver = "dm-offline";
    registerToken(receiver, "tok-dm");
    BrowserSubscription browser = subscribe(receiver, "sub-dm");
    try (TestSocket sender = TestSocket.connect(port, Tokens.user("dm-sender"))) {
      JsonObject sent = sender.request("sendMessage", new JsonObject().put("receiverId", receiver).put("content", "see you at 5"))
          .getJsonObject("data");
      JsonObject message = fakes.awaitFcm("tok-dm", 1).get(0).message();
      assertThat(message.getJsonObject("notification")).isEqualTo(new JsonObject()
          .put("title", "New message from dm-sender").put("body", "see you at 5"));
      assertThat(new JsonObject(message.getJsonObject("data").getString("data")).getLong("messageId")).isEqualTo(sent.getLong("id"));
      String topic = CollapseKey.topic("private:dm-offline:dm-sender");
      assertThat(topic).hasSize(32).matches("[A-Za-z0-9_-]+");
      assertThat(message.getJsonObject("android").getString("collapse_key")).isEqualTo(topic);
      assertThat(message.getJsonObject("apns").getJsonObject("headers").getString("apns-collapse-id")).isEqualTo(topic);
      WebPushCall push = fakes.awaitWebPush(browser.id(), 1).get(0);
      assertThat(push.topic()).isEqualTo(topic);
      assertThat(push.payload().getString("message")).isEqualTo("see you at 5");

      try (TestSocket online = TestSocket.connect(port, Tokens.user(receiver))) {
        long skippedBefore = counter("skipped.connected");
        sender.request("sendMessage", new JsonObject().put("receiverId", receiver).put("content", "are you there?"));
        online.expect("message:new");
        awaitCounter("skipped.connected", skippedBefore + 1);
        assertThat(fakes.fcm("tok-dm")).hasSize(1);
      }
    }
  }

  @Test
  @DisplayName("a connected user gets the notification in-app only; with priority high it is pushed as well")
  void connectedUserIsNotPushedUnlessHighPriority() throws Exception {
    String user = "online-1";
    registerToken(user, "tok-online");
    BrowserSubscription browser = subscribe(user, "sub-online");
    long normal;
    try (TestSocket socket = TestSocket.connect(port, Tokens.user(user))) {
      long skippedBefore = counter("skipped.connected");
      normal = notify(new JsonObject().put("userId", user).put("title", "Hello").put("message", "in-app"));
      assertThat(socket.expect("notification").getLong("notificationId")).isEqualTo(normal);
      awaitCounter("skipped.connected", skippedBefore + 1);

      long high = notify(new JsonObject().put("userId", user).put("title", "Alarm").put("message", "now")
          .put("priority", "high"));
      assertThat(socket.nextMatching(f -> "notification".equals(f.getString("event")), "the high-priority notification")
          .getLong("notificationId")).isEqualTo(high);
      FcmCall call = fakes.awaitFcm("tok-online", 1).get(0);
      assertThat(call.message().getJsonObject("data").getString("id")).isEqualTo(Long.toString(high));
      assertThat(call.message().getJsonObject("android").getString("priority")).isEqualTo("high");
      WebPushCall push = fakes.awaitWebPush(browser.id(), 1).get(0);
      assertThat(push.payload().getLong("id")).isEqualTo(high);
      assertThat(push.urgency()).isEqualTo("high");

      // The producer send API with a notification event: priority travels in the message.
      Response sent = Http.post(port, "/api/gateway/send", SERVICE, new JsonObject().put("userId", user)
          .put("event", "notification").put("message", new JsonObject().put("title", "Via send").put("message", "m")
              .put("priority", "high")));
      assertThat(sent.status()).isEqualTo(200);
      long viaSend = sent.json().getLong("id");
      assertThat(fakes.awaitFcm("tok-online", 2).get(1).message().getJsonObject("data").getString("id"))
          .isEqualTo(Long.toString(viaSend));
    }
    // Only the high-priority ones were pushed, never the first.
    assertThat(fakes.awaitWebPush("sub-online", 2)).extracting(c -> c.payload().getLong("id")).doesNotContain(normal);
    assertThat(fakes.fcm("tok-online")).hasSize(2);
    assertThat(fakes.webPush("sub-online")).hasSize(2);
  }

  @Test
  @DisplayName("429 (honouring Retry-After) and 5xx are retried until the service accepts; every attempt is logged")
  void retriesThenSucceeds() throws Exception {
    String user = "retry-1";
    fakes.script("tok-busy", 429);
    fakes.script("tok-flaky", 500, 503);
    registerToken(user, "tok-busy");
    registerToken(user, "tok-flaky");
    BrowserSubscription browser = subscribe(user, "sub-retry");
    fakes.script(browser.id(), 503);

    long id = notify(new JsonObject().put("userId", user).put("title", "t").put("message", "m"));

    List<FcmCall> busy = fakes.awaitFcm("tok-busy", 2);
    assertThat(busy.get(0).answered()).isEqualTo(429);
    assertThat(busy.get(1).answered()).isEqualTo(200);
    // retry-base-ms is 10 here: only the service's Retry-After: 1 explains a second's wait.
    assertThat(busy.get(1).atMs() - busy.get(0).atMs()).isGreaterThanOrEqualTo(900);
    List<FcmCall> flaky = fakes.awaitFcm("tok-flaky", 3);
    assertThat(flaky).extracting(FcmCall::answered).containsExactly(500, 503, 200);
    assertThat(flaky).allSatisfy(c -> assertThat(c.message().getJsonObject("data").getString("id")).isEqualTo(Long.toString(id)));
    List<WebPushCall> pushes = fakes.awaitWebPush(browser.id(), 2);
    assertThat(pushes).extracting(WebPushCall::answered).containsExactly(503, 201);

    db.await(() -> db.outcomes(id, "fcm"),
        o -> o.size() == 5 && o.stream().filter("delivered"::equals).count() == 2 && o.stream().filter("retry"::equals).count() == 3,
        "FCM attempts logged (3 retries, 2 delivered)");
    db.await(() -> db.outcomes(id, "webpush"), o -> o.equals(List.of("retry", "delivered")), "Web Push attempts logged");
  }

  @Test
  @DisplayName("a device that keeps failing is tried push.max-attempts times, then given up")
  void givesUp() throws Exception {
    String user = "down-1";
    fakes.script("tok-down", 500, 500, 500, 500, 500, 500, 500);
    registerToken(user, "tok-down");
    long gaveUp = counter("gave-up.fcm");
    long id = notify(new JsonObject().put("userId", user).put("title", "t").put("message", "m"));
    fakes.awaitFcm("tok-down", 5);
    awaitCounter("gave-up.fcm", gaveUp + 1);
    assertThat(fakes.fcm("tok-down")).hasSize(5); // giving up is final: no sixth attempt follows
    db.await(() -> db.outcomes(id, "fcm"), o -> o.equals(List.of("retry", "retry", "retry", "retry", "failed")),
        "five attempts logged, the last one failed");
    assertThat(db.owner("fcm", "tok-down")).isEqualTo(user); // a failing device is not pruned
  }

  @Test
  @DisplayName("404, 410 and FCM UNREGISTERED delete the registration; a plain INVALID_ARGUMENT does not")
  void prunesDeadRegistrations() throws Exception {
    String user = "prune-1";
    fakes.script("tok-gone", 404);
    fakes.script("tok-invalid", 400);
    registerToken(user, "tok-gone");
    registerToken(user, "tok-invalid");
    BrowserSubscription browser = subscribe(user, "sub-gone");
    fakes.script(browser.id(), 410);
    long failedBefore = counter("failed.fcm");

    notify(new JsonObject().put("userId", user).put("title", "t").put("message", "m"));

    fakes.awaitFcm("tok-gone", 1);
    fakes.awaitFcm("tok-invalid", 1);
    fakes.awaitWebPush(browser.id(), 1);
    db.await(() -> db.addresses(user), a -> a.equals(List.of("tok-invalid")), "dead registrations deleted");
    awaitCounter("failed.fcm", failedBefore + 1);
    assertThat(db.owner("fcm", "tok-invalid")).isEqualTo(user);

    // The next notification goes to the surviving device only.
    notify(new JsonObject().put("userId", user).put("title", "t2").put("message", "m2"));
    fakes.awaitFcm("tok-invalid", 2);
    assertThat(fakes.fcm("tok-gone")).hasSize(1);
    assertThat(fakes.webPush(browser.id())).hasSize(1);
  }

  private static void registerToken(String user, String token) {
    Response r = Http.post(port, "/notifications/device-token", Tokens.user(user), new JsonObject().put("token", token));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("message")).isEqualTo("Device token registered successfully");
  }

  private static BrowserSubscription subscribe(String user, String id) throws Exception {
    BrowserSubscription s = fakes.subscribe(id);
    Response r = Http.post(port, "/notifications/webpush-subscription", Tokens.user(user), s.toJson());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getString("message")).isEqualTo("Subscription registered successfully");
    return s;
  }

  private static long notify(JsonObject body) {
    return Producer.notify(port, body);
  }

  static long counter(String name) {
    JsonObject stats = Await.result(node.vertx().eventBus().<JsonObject>request(Addresses.PUSH_STATS, new JsonObject())
        .map(Message::body));
    return stats.getJsonObject("counters").getLong(name, 0L);
  }

  static void awaitCounter(String name, long atLeast) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (counter(name) < atLeast && System.currentTimeMillis() < deadline) {
      Await.result(TestSocket.vertx().timer(20));
    }
    assertThat(counter(name)).as(name).isGreaterThanOrEqualTo(atLeast);
  }
}
