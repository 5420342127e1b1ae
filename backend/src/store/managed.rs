//! A MySQL database as RDS runs it, with nothing hand-made: the host comes from the DB
//! instance's status (exported by the manifests), the credentials from the Secrets Manager
//! secret RDS manages and rotates, and the connection is TLS verified against the RDS CA
//! bundle. See docs/decisions/0004-database-credentials.md.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use folio_core::settings::{self as names, Env, SettingError};
use secrecy::{ExposeSecret, SecretString};
use sqlx::any::AnyConnectOptions;
use sqlx::AnyPool;

/// How often the credentials are read again: RDS rotates a managed password (every 7 days by
/// default) and new connections must use the new one.
const REFRESH_EVERY: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedDatabase {
    pub host: String,
    pub port: u16,
    pub name: String,
    pub secret_arn: String,
    pub ca_file: Option<PathBuf>,
}

impl ManagedDatabase {
    /// `None` unless `FOLIO_DATABASE_HOST` is set; then the secret is required.
    pub fn read(env: &Env) -> Result<Option<Self>, SettingError> {
        let Some(host) = env.text(names::DATABASE_HOST) else {
            return Ok(None);
        };
        if env.text(names::DATABASE_URL).is_some() {
            return Err(SettingError::new(
                names::DATABASE_HOST,
                &host,
                "set either DATABASE_URL or FOLIO_DATABASE_HOST, not both",
            ));
        }
        let secret_arn = env.text(names::DATABASE_SECRET_ARN).ok_or_else(|| {
            SettingError::new(
                names::DATABASE_SECRET_ARN,
                "",
                "required with FOLIO_DATABASE_HOST: the Secrets Manager secret with the credentials",
            )
        })?;
        let port = env.parse_with(names::DATABASE_PORT, |value| {
            value
                .parse::<u16>()
                .ok()
                .filter(|port| *port > 0)
                .ok_or_else(|| "expected a port number".to_owned())
        })?;
        Ok(Some(Self {
            host,
            port: port.unwrap_or(3306),
            name: env
                .text(names::DATABASE_NAME)
                .unwrap_or_else(|| "folio".to_owned()),
            secret_arn,
            ca_file: env.text(names::DATABASE_CA_FILE).map(PathBuf::from),
        }))
    }

    /// Connection options with these credentials: TLS that verifies the server's certificate
    /// and name when a CA bundle is given.
    pub fn connect_options(&self, credentials: &Credentials) -> anyhow::Result<AnyConnectOptions> {
        let mut url = url::Url::parse(&format!("mysql://{}:{}/", self.host, self.port))
            .with_context(|| format!("{} is not a host name", names::DATABASE_HOST))?;
        url.set_path(&self.name);
        // The URL encodes them: a password may hold any character.
        url.set_username(&credentials.username)
            .map_err(|()| anyhow::anyhow!("the database user name cannot be used"))?;
        url.set_password(Some(credentials.password.expose_secret()))
            .map_err(|()| anyhow::anyhow!("the database password cannot be used"))?;
        if let Some(ca) = &self.ca_file {
            url.query_pairs_mut()
                .append_pair("ssl-mode", "VERIFY_IDENTITY")
                .append_pair("ssl-ca", &ca.display().to_string());
        }
        url.as_str()
            .parse::<AnyConnectOptions>()
            .map(super::logged)
            .context("the database settings make no valid connection")
    }
}

/// A database user and password.
pub struct Credentials {
    pub username: String,
    pub password: SecretString,
}

impl Credentials {
    /// Reads them from the secret, in the shape RDS writes (`{"username", "password", …}`).
    pub async fn read(secrets: &aws_sdk_secretsmanager::Client, arn: &str) -> anyhow::Result<Self> {
        let value = secrets
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .with_context(|| format!("could not read the database credentials from {arn}"))?;
        #[derive(serde::Deserialize)]
        struct Stored {
            username: String,
            password: String,
        }
        let stored: Stored = serde_json::from_str(value.secret_string().unwrap_or_default())
            .with_context(|| format!("{arn} holds no {{\"username\", \"password\"}}"))?;
        Ok(Self {
            username: stored.username,
            password: SecretString::from(stored.password),
        })
    }
}

/// Reads the credentials again every few minutes and gives the pool the new ones when they
/// changed, so connections opened after a rotation still sign in. Runs until the pool closes.
pub fn keep_credentials_fresh(
    pool: AnyPool,
    database: ManagedDatabase,
    secrets: aws_sdk_secretsmanager::Client,
    mut current: Credentials,
) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(REFRESH_EVERY).await;
            if pool.is_closed() {
                return;
            }
            let fresh = match Credentials::read(&secrets, &database.secret_arn).await {
                Ok(fresh) => fresh,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "could not read the database credentials again");
                    continue;
                }
            };
            let changed = fresh.username != current.username
                || fresh.password.expose_secret() != current.password.expose_secret();
            if changed {
                match database.connect_options(&fresh) {
                    Ok(options) => {
                        pool.set_connect_options(options);
                        tracing::info!("database credentials rotated; new connections use them");
                        current = fresh;
                    }
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "rotated credentials unusable"),
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> Env<'a> {
        Env::new(move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn settings_are_read_checked_and_composed_into_a_verified_tls_connection() {
        assert_eq!(ManagedDatabase::read(&lookup(&[])).unwrap(), None);
        let host = [(names::DATABASE_HOST, "db.example.com")];
        let err = ManagedDatabase::read(&lookup(&host)).unwrap_err();
        assert_eq!(err.name, names::DATABASE_SECRET_ARN);
        let both = [host[0], (names::DATABASE_URL, "mysql://x")];
        assert_eq!(
            ManagedDatabase::read(&lookup(&both)).unwrap_err().name,
            names::DATABASE_HOST
        );

        let database = ManagedDatabase::read(&lookup(&[
            host[0],
            (
                names::DATABASE_SECRET_ARN,
                "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-1",
            ),
            (names::DATABASE_CA_FILE, "/etc/folio/rds-ca.pem"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((database.port, database.name.as_str()), (3306, "folio"));
        // A password RDS might generate, with every character a URL treats specially.
        let credentials = Credentials {
            username: "folio".into(),
            password: SecretString::from("p@ss/w:rd?#%&=+ x".to_owned()),
        };
        let options = database.connect_options(&credentials).unwrap();
        let mysql = sqlx::mysql::MySqlConnectOptions::try_from(&options).unwrap();
        assert_eq!(mysql.get_host(), "db.example.com");
        assert_eq!(mysql.get_username(), "folio");
        assert_eq!(mysql.get_database(), Some("folio"));
        let url = options.database_url.to_string();
        assert!(url.contains("ssl-mode=VERIFY_IDENTITY"), "{url}");
        assert!(url.contains("ssl-ca=%2Fetc%2Ffolio%2Frds-ca.pem"), "{url}");
    }
}
