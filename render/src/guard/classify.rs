//! Which addresses a render may reach: public unicast only, in every spelling an address
//! can take (IPv4-mapped, IPv4-translated, NAT64, 6to4, Teredo).

use super::*;

/// Classifies an address: `Err(reason)` for anything that is not a public unicast address.
///
/// Covers the forms an attacker uses to dress up an internal address: IPv4-mapped and
/// IPv4-compatible IPv6, 6to4 and NAT64 prefixes carrying an IPv4 address inside, and Teredo.
pub fn classify(ip: IpAddr) -> Result<(), String> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4).map_err(str::to_owned),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

pub(super) fn classify_v4(ip: Ipv4Addr) -> Result<(), &'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        return Err("the cloud instance metadata address");
    }
    if ip.is_unspecified() || a == 0 {
        return Err("an unspecified (\"this network\") address");
    }
    if ip.is_loopback() {
        return Err("a loopback address");
    }
    if ip.is_private() {
        return Err("a private address");
    }
    if ip.is_link_local() {
        return Err("a link-local address");
    }
    if a == 100 && (64..128).contains(&b) {
        return Err("a carrier-grade NAT (shared) address");
    }
    if ip.is_multicast() {
        return Err("a multicast address");
    }
    if ip.is_broadcast() || a >= 240 {
        return Err("a reserved address");
    }
    if (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 0, 2)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
    {
        return Err("a reserved (protocol or documentation) address");
    }
    if a == 198 && (b == 18 || b == 19) {
        return Err("a reserved (benchmarking) address");
    }
    if (a, b, c) == (192, 88, 99) {
        return Err("a reserved (6to4 relay) address");
    }
    Ok(())
}

pub(super) fn classify_v6(ip: Ipv6Addr) -> Result<(), String> {
    let segments = ip.segments();
    let embedded_v4 =
        |high: u16, low: u16| Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8);
    let disguised = |form: &str, v4: Ipv4Addr| {
        classify_v4(v4).map_err(|reason| format!("{reason} ({form} form of {v4})"))
    };
    if ip.is_unspecified() {
        return Err("an unspecified address".into());
    }
    if ip.is_loopback() {
        return Err("a loopback address".into());
    }
    // ::ffff:a.b.c.d — the IPv4 address itself is what gets connected to.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return disguised("IPv4-mapped", v4);
    }
    // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765): also carries the IPv4 address to reach.
    if segments[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return disguised("IPv4-translated", embedded_v4(segments[6], segments[7]));
    }
    // ::a.b.c.d (deprecated IPv4-compatible form).
    if segments[..6].iter().all(|s| *s == 0) {
        return disguised("IPv4-compatible", embedded_v4(segments[6], segments[7]));
    }
    // 64:ff9b::/96, the well-known NAT64 prefix.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return disguised("NAT64", embedded_v4(segments[6], segments[7]));
    }
    // 64:ff9b:1::/48, local-use NAT64: translated inside some network, never public.
    if segments[..3] == [0x64, 0xff9b, 1] {
        return Err("a local-use NAT64 address".into());
    }
    // 2002::/16, 6to4: the IPv4 address sits in bits 16..48.
    if segments[0] == 0x2002 {
        return disguised("6to4", embedded_v4(segments[1], segments[2]));
    }
    // 2001::/32, Teredo: tunnels to an obfuscated IPv4 address; no page needs it.
    if segments[..2] == [0x2001, 0] {
        return Err("a Teredo tunnel address".into());
    }
    if segments[0] & 0xfe00 == 0xfc00 {
        return Err("a unique-local (private) address".into());
    }
    if segments[0] & 0xffc0 == 0xfe80 {
        return Err("a link-local address".into());
    }
    if segments[0] & 0xffc0 == 0xfec0 {
        return Err("a site-local address".into());
    }
    if segments[0] & 0xff00 == 0xff00 {
        return Err("a multicast address".into());
    }
    if segments[..2] == [0x2001, 0xdb8] {
        return Err("a reserved (documentation) address".into());
    }
    if segments[..4] == [0x100, 0, 0, 0] {
        return Err("a reserved (discard) address".into());
    }
    Ok(())
}
