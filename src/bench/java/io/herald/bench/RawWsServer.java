package io.herald.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bench's ceiling: a plain Vert.x WebSocket server with rooms and nothing else (no auth, no
 * JSON routing). {@code /ws?room=R} joins room R, {@code /ws?user=U} the personal room
 * {@code user:U} (both may be given); {@code POST /publish/R} writes the body, as is, to every
 * member of R. Same event-loop count as a Herald node (2 x cores). Listens on 127.0.0.1.
 * Usage: {@code RawWsServer <port>}; prints {@code ready: <port>}.
 */
public final class RawWsServer {
  private static final Map<String, Set<ServerWebSocket>> ROOMS = new ConcurrentHashMap<>();

  private RawWsServer() {}

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = 2 * Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(instances));
    vertx.deployVerticle(() -> new Gateway(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("ready: " + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }

  private static final class Gateway extends AbstractVerticle {
    private final int port;

    Gateway(int port) {
      this.port = port;
    }

    @Override
    public void start(io.vertx.core.Promise<Void> started) {
      vertx.createHttpServer()
          .webSocketHandler(ws -> {
            List<Set<ServerWebSocket>> joined = new ArrayList<>(2);
            String room = queryParam(ws.query(), "room=");
            if (room != null) {
              joined.add(join(ws, room));
            }
            String user = queryParam(ws.query(), "user=");
            if (user != null) {
              joined.add(join(ws, "user:" + user));
            }
            if (!joined.isEmpty()) {
              ws.closeHandler(v -> joined.forEach(members -> members.remove(ws)));
            }
          })
          .requestHandler(req -> {
            if (req.path().startsWith("/publish/")) {
              String room = req.path().substring("/publish/".length());
              req.body().onSuccess(body -> {
                String text = body.toString();
                for (ServerWebSocket ws : ROOMS.getOrDefault(room, Set.of())) {
                  ws.writeTextMessage(text);
                }
                req.response().end();
              });
            } else {
              req.response().setStatusCode(404).end();
            }
          })
          .listen(port, "127.0.0.1")
          .<Void>mapEmpty()
          .onComplete(started);
    }

    private static Set<ServerWebSocket> join(ServerWebSocket ws, String room) {
      Set<ServerWebSocket> members = ROOMS.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet());
      members.add(ws);
      return members;
    }

    private static String queryParam(String query, String prefix) {
      if (query == null) {
        return null;
      }
      for (String pair : query.split("&")) {
        if (pair.startsWith(prefix)) {
          return pair.substring(prefix.length());
        }
      }
      return null;
    }
  }
}
