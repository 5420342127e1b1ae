#!/usr/bin/env bash
# Makes a local MariaDB available for the tests: installs it when missing, starts it without
# systemd when it is not running, and creates the `folio` user that may create test databases.
# Idempotent; prints the URL the tests should use.
set -euo pipefail

user=folio
password=folio

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    echo "mariadb.sh: installing mariadb-server" >&2
    [ "$(id -u)" = 0 ] || { echo "mariadb.sh: run as root (or install mariadb-server) first" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
fi

if ! mariadb-admin --connect-timeout=2 ping --silent >/dev/null 2>&1; then
    echo "mariadb.sh: starting mariadbd" >&2
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
        --user=mysql --bind-address=127.0.0.1 --max-connections=500
    for _ in $(seq 1 60); do
        mariadb-admin --connect-timeout=2 ping --silent >/dev/null 2>&1 && break
        sleep 0.5
    done
    mariadb-admin --connect-timeout=2 ping --silent >/dev/null 2>&1 || { echo "mariadb.sh: mariadbd did not start" >&2; exit 1; }
fi

# Root logs in over the unix socket; the app user works over TCP from either loopback name.
mariadb --protocol=socket -u root <<SQL
CREATE USER IF NOT EXISTS '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';
CREATE USER IF NOT EXISTS '${user}'@'localhost' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON \`folio%\`.* TO '${user}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`folio%\`.* TO '${user}'@'localhost';
CREATE DATABASE IF NOT EXISTS folio;
SQL

# Databases left behind by earlier test runs.
stale=$(mariadb --protocol=socket -u root -N -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'folio\_test\_%'")
for db in $stale; do
    mariadb --protocol=socket -u root -e "DROP DATABASE \`${db}\`"
done

echo "mysql://${user}:${password}@127.0.0.1:3306"
