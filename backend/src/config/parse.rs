//! How each kind of setting is read: durations, choices, address ranges, secrets.

use super::*;

pub(super) fn error(name: &'static str, value: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::new(name, value, reason)
}

pub(super) fn parse_with<T, E: std::fmt::Display>(
    parse: impl Fn(&str) -> Result<T, E>,
) -> impl Fn((&'static str, String)) -> Result<T, SettingsError> {
    move |(name, value)| parse(value.trim()).map_err(|e| error(name, &value, e.to_string()))
}

pub(super) fn seconds((name, value): (&'static str, String)) -> Result<Duration, SettingsError> {
    match value.trim().parse::<u64>() {
        Ok(0) => Err(error(name, &value, "must be at least 1 second")),
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => Err(error(name, &value, "expected a whole number of seconds")),
    }
}

/// S3 refuses presigned links that live longer than a week.
pub(super) fn presign_ttl(setting: (&'static str, String)) -> Result<Duration, SettingsError> {
    let value = setting.1.clone();
    let ttl = seconds(setting)?;
    if ttl > Duration::from_secs(7 * 24 * 60 * 60) {
        return Err(error(
            names::S3_PRESIGN_TTL,
            &value,
            "at most 604800 seconds (7 days)",
        ));
    }
    Ok(ttl)
}

pub(super) fn one_of<T: Copy>(
    choices: &'static [(&'static str, T)],
) -> impl Fn((&'static str, String)) -> Result<T, SettingsError> {
    move |(name, value)| {
        let wanted = value.trim().to_ascii_lowercase();
        choices
            .iter()
            .find(|(label, _)| *label == wanted)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                let labels: Vec<_> = choices.iter().map(|(label, _)| *label).collect();
                error(name, &value, format!("expected one of {}", labels.join(", ")))
            })
    }
}

pub(super) fn proxies((name, value): (&'static str, String)) -> Result<Vec<IpNet>, SettingsError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    error(
                        name,
                        &value,
                        format!("{entry:?} is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

pub(super) fn check_database_url(name: &'static str, value: String) -> Result<SecretString, SettingsError> {
    let scheme = value
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .unwrap_or_default();
    if matches!(scheme, "mysql" | "mariadb" | "sqlite") {
        // sqlx knows MariaDB by its MySQL name.
        let value = value.replacen("mariadb:", "mysql:", 1);
        Ok(SecretString::from(value))
    } else {
        Err(error(
            name,
            &redact_dsn(&value),
            "expected a mysql:// or sqlite:// URL",
        ))
    }
}

pub(super) fn check_jwt_secret(name: &'static str, value: String) -> Result<SecretString, SettingsError> {
    if value.len() < 32 {
        return Err(error(name, "[REDACTED]", "must be at least 32 bytes"));
    }
    Ok(SecretString::from(value))
}
