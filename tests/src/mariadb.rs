//! The test MariaDB (`scripts/mariadb.sh` starts it and prints its URL).

use sqlx::Connection;

/// A new, empty database on the test MariaDB, so tests never see each other's rows; its URL.
pub async fn fresh_database() -> String {
    let server = std::env::var("FOLIO_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://folio:folio@127.0.0.1:3306".to_owned());
    let server = server.trim_end_matches('/');
    let mut admin = sqlx::MySqlConnection::connect(&format!("{server}/folio"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "MariaDB is not reachable at {server} ({e}). `make test` starts it; \
                 or run scripts/mariadb.sh, or point FOLIO_TEST_MYSQL_URL at a server"
            )
        });
    let name = format!("folio_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    format!("{server}/{name}")
}

/// A MariaDB of one test's own, on its own port and data folder, that the test may stop and
/// start again (the shared server other tests use is never disturbed).
pub struct PrivateServer {
    dir: tempfile::TempDir,
    port: u16,
    process: Option<std::process::Child>,
}

impl PrivateServer {
    /// A new server with an empty `folio` database and a `folio` user, running.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::run_checked(
            std::process::Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--user=root",
                    "--auth-root-authentication-method=normal",
                ])
                .arg(format!("--datadir={}", dir.path().join("data").display()))
                .arg("--skip-test-db"),
            "mariadb-install-db (mariadb-server's package)",
        );
        let mut server = Self {
            dir,
            port: crate::api::free_port(),
            process: None,
        };
        server.resume();
        server.client(
            "CREATE USER 'folio'@'127.0.0.1' IDENTIFIED BY 'folio'; \
                       GRANT ALL ON *.* TO 'folio'@'127.0.0.1'; CREATE DATABASE folio;",
        );
        server
    }

    pub fn url(&self) -> String {
        format!("mysql://folio:folio@127.0.0.1:{}/folio", self.port)
    }

    /// Stops the server the way an operator or a failing node would: it shuts down and is gone.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &process.id().to_string()])
                .status();
            let _ = process.wait();
        }
    }

    /// Starts the server again on the same data and port, and waits until it answers.
    pub fn resume(&mut self) {
        let data = self.dir.path().join("data");
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log");
        let process = std::process::Command::new("mariadbd")
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1"])
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", self.socket().display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--pid-file={}", self.dir.path().join("pid").display()))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("mariadbd (mariadb-server's package)");
        self.process = Some(process);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !self.answers() {
            assert!(
                std::time::Instant::now() < deadline,
                "the private MariaDB did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    fn socket(&self) -> std::path::PathBuf {
        self.dir.path().join("mysqld.sock")
    }

    fn answers(&self) -> bool {
        std::process::Command::new("mariadb-admin")
            .args(["--no-defaults", "--user=root", "--connect-timeout=2"])
            .arg(format!("--socket={}", self.socket().display()))
            .arg("ping")
            .output()
            .is_ok_and(|output| output.status.success())
    }

    fn client(&self, sql: &str) {
        crate::run_checked(
            std::process::Command::new("mariadb")
                .args(["--no-defaults", "--user=root"])
                .arg(format!("--socket={}", self.socket().display()))
                .args(["-e", sql]),
            "the mariadb client",
        );
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}
