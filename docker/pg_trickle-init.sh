#!/bin/sh
# First start of a new cluster: point PL/Java at the JVM, put pg_trickle's jar on the backend
# class path with its policy grant, and create the extension in the default database.
set -e
share=$(pg_config --sharedir)
libjvm=$(find /usr/lib/jvm -name libjvm.so -path '*server*' | head -n 1)
cat >> "$PGDATA/postgresql.conf" <<CONF
pljava.libjvm_location = '$libjvm'
pljava.vmoptions = '-Djava.class.path=$share/pg_trickle/pg-trickle.jar -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=32m -Xss512k -Xms8m -Xlog:disable -XX:SharedArchiveFile=pg_trickle.jsa'
pljava.policy_urls = '"file:\${org.postgresql.sysconfdir}/pljava.policy","file://$share/pg_trickle/pg_trickle.policy","="'
track_commit_timestamp = on
CONF
pg_ctl -D "$PGDATA" -w restart -o "-c listen_addresses=''"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c 'CREATE EXTENSION pg_trickle CASCADE'
# the class archive the backends' JVMs start from (written when this session ends)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c 'SELECT pgtrickle.write_class_archive()'
