# Shared by the scripts: JVM options and building the jar when sources changed.
HERALD_JAVA_OPTS="${HERALD_JAVA_OPTS:---add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED}"

build_if_stale() {
  local jar=target/herald.jar
  if [ ! -f "$jar" ] || [ -n "$(find src conf pom.xml -newer "$jar" -type f -print -quit)" ]; then
    echo "Building target/herald.jar ..."
    mvn -q -B -DskipTests package
  fi
}
