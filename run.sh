#!/usr/bin/env bash
# Runs amibake from a checkout: builds the executable jar when it is missing or older than the
# sources, then runs it with the given arguments. Works from any directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/amibake.jar"

stale() {
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$here/pom.xml" "$here/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]
}

# A bounded heap: without it the JVM may take a quarter of the machine's memory before it collects,
# and a long-running `schedule` grows to that. A fleet of 20 bakes of 8 regions uses about 250 MB
# (docs/schedule.md, FleetBenchmark). AMIBAKE_JAVA_OPTS comes after it, so -Xmx there wins.
# The serial collector on a heap that starts small and gives back what it freed: a bake's peak
# resident memory went from 250 MB to 194 MB (MemoryBenchmark, docs/bake.md). A young generation of
# a fifth of the heap, C1 alone with one compiler thread: 190 MB to 182 MB. The flags live in
# src/main/launcher/jvm.options, which the Debian package's launcher reads too.
heap="@$here/src/main/launcher/jvm.options"

# Class data sharing (see below): when the archive is ready, start at once, without the checks.
cds="$here/target/cds"
if [ -f "$cds/amibake.jsa" ] && [ -f "$cds/classpath" ] && [ ! "$jar" -nt "$cds/amibake.jsa" ] && ! stale; then
  exec java -XX:SharedArchiveFile="$cds/amibake.jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
    "$heap" ${AMIBAKE_JAVA_OPTS:-} -cp "$(cat "$cds/classpath")" io.amibake.AmibakeApplication "$@"
fi

if ! command -v java >/dev/null 2>&1; then
  echo "run.sh: java not found; amibake needs Java 17 or newer (apt-get install openjdk-17-jdk)" >&2
  exit 2
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "run.sh: amibake needs Java 17 or newer, found Java ${java_major:-unknown}" >&2
  exit 2
fi

if stale; then
  if ! command -v mvn >/dev/null 2>&1; then
    echo "run.sh: mvn not found; building amibake needs Maven 3.8+ (apt-get install maven)" >&2
    exit 2
  fi
  echo "run.sh: building amibake (once, or after the sources change)..." >&2
  log="$(mktemp)"
  if ! mvn -q -B -f "$here/pom.xml" -Dmaven.test.skip=true package >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "run.sh: the build failed" >&2
    exit 2
  fi
  rm -f "$log"
fi

# Class data sharing: the jar's classes unpacked into plain jars, and an archive of the classes a
# training bake (against the in-process sandbox, at a fast time scale) loaded, so later runs map
# them instead of loading them one by one. Made once per build, in the background: this command
# starts at once with the jar as is, and the ones after it map the archive. The lock (a folder)
# keeps a second run.sh from recording too; one left by a recording that was killed goes after an hour.
find "$cds.lock" -maxdepth 0 -mmin +60 -exec rmdir {} \; 2>/dev/null || true
if { [ ! -f "$cds/amibake.jsa" ] || [ "$jar" -nt "$cds/amibake.jsa" ]; } \
    && { [ ! -f "$cds.failed" ] || [ "$jar" -nt "$cds.failed" ]; } \
    && mkdir "$cds.lock" 2>/dev/null; then
  echo "run.sh: recording class data in the background for a faster start next time (once per build)" >&2
  ( (
    set -e
    rm -rf "$cds" && mkdir -p "$cds/unpacked" "$cds/home"
    cd "$cds/unpacked" && jar xf "$jar"
    jar --create --file "$cds/amibake-classes.jar" --manifest META-INF/MANIFEST.MF -C BOOT-INF/classes .
    { echo "$cds/amibake-classes.jar"; ls "$cds/unpacked/BOOT-INF/lib/"*.jar; } | paste -sd: > "$cds/classpath"
    # Nothing of the user's: no home, no shared repository, no profile; the training bake and server
    # keep everything under $cds and remove it.
    training_env=(env -u AMIBAKE_HOME -u SPRING_DATASOURCE_URL -u SPRING_DATASOURCE_USERNAME
      -u SPRING_DATASOURCE_PASSWORD -u AWS_PROFILE -u AWS_ENDPOINT_URL HOME="$cds/home")
    "${training_env[@]}" java -XX:ArchiveClassesAtExit="$cds/amibake.jsa.tmp" -cp "$(cat "$cds/classpath")" \
      io.amibake.AmibakeApplication bake --sandbox --time-scale 0.0005 --home "$cds/home" \
      "$here/recipes/httpd.yaml" >"$cds/training.log" 2>&1
    # The repository server (docs/bake.md) loads HSQLDB's engine, which a bake does not: its own
    # archive, from a server that serves a scratch home and ends at its first idle check. Optional.
    mkdir -p "$cds/server-home/repository" "$cds/server-home/logs" && chmod 700 "$cds/server-home"
    echo training > "$cds/server-home/repository/server.secret"
    "${training_env[@]}" java -XX:ArchiveClassesAtExit="$cds/repository-server.jsa.tmp" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp "$(cat "$cds/classpath")" io.amibake.AmibakeApplication repository-server --home "$cds/server-home" \
      --idle PT0S >>"$cds/training.log" 2>&1 && mv "$cds/repository-server.jsa.tmp" "$cds/repository-server.jsa" || true
    mv "$cds/amibake.jsa.tmp" "$cds/amibake.jsa"
    rm -rf "$cds/home" "$cds/server-home"
  ) || touch "$cds.failed"
  rmdir "$cds.lock" ) </dev/null >/dev/null 2>&1 &
fi
exec java "$heap" ${AMIBAKE_JAVA_OPTS:-} -jar "$jar" "$@"
