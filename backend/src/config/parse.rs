//! Settings whose values need more than [`Env`]'s readers: address ranges, secrets.

use super::*;

/// S3 refuses presigned links that live longer than a week.
pub(super) fn presign_ttl(env: &Env) -> Result<Option<Duration>, SettingsError> {
    let ttl = env.seconds(names::S3_PRESIGN_TTL)?;
    if ttl.is_some_and(|ttl| ttl > Duration::from_secs(7 * 24 * 60 * 60)) {
        return Err(SettingsError::new(
            names::S3_PRESIGN_TTL,
            &env.text(names::S3_PRESIGN_TTL).unwrap_or_default(),
            "at most 604800 seconds (7 days)",
        ));
    }
    Ok(ttl)
}

pub(super) fn proxy(entry: &str) -> Result<IpNet, String> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"))
}

pub(super) fn database_url(value: &str) -> Result<SecretString, String> {
    let scheme = value
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .unwrap_or_default();
    if matches!(scheme, "mysql" | "mariadb" | "sqlite") {
        // sqlx knows MariaDB by its MySQL name.
        Ok(SecretString::from(value.replacen("mariadb:", "mysql:", 1)))
    } else {
        Err("expected a mysql:// or sqlite:// URL".into())
    }
}

pub(super) fn jwt_secret(value: &str) -> Result<SecretString, String> {
    if value.len() < 32 {
        return Err("must be at least 32 bytes".into());
    }
    Ok(SecretString::from(value.to_owned()))
}
