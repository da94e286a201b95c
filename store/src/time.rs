//! Time in the store is Unix epoch milliseconds (UTC), the same on SQLite and PostgreSQL.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// Format epoch milliseconds in a fixed UTC offset, as `2026-11-23 14:05:09`.
pub fn format_local(ms: Millis, utc_offset_minutes: i32) -> String {
    to_local(ms, utc_offset_minutes)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

pub fn to_local(ms: Millis, utc_offset_minutes: i32) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(utc_offset_minutes * 60)?;
    offset.timestamp_millis_opt(ms).single()
}

/// Parse `YYYY-MM-DD[ HH:MM[:SS]]` or RFC 3339 as local time in the given offset.
pub fn parse_local(text: &str, utc_offset_minutes: i32) -> Option<Millis> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let offset = FixedOffset::east_opt(utc_offset_minutes * 60)?;
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        })
        .ok()?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.timestamp_millis())
}

/// `mm:ss` (or `h:mm:ss`) for a position in a call.
pub fn format_offset(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_dates_use_the_offset() {
        // Midnight in Taipei is 16:00 UTC the day before.
        let ms = parse_local("2026-11-23", 480).unwrap();
        assert_eq!(format_local(ms, 0), "2026-11-22 16:00:00");
        assert_eq!(format_local(ms, 480), "2026-11-23 00:00:00");
        assert_eq!(
            parse_local("2026-11-23T08:00:00Z", 480),
            Some(ms + 16 * 3_600_000)
        );
        assert_eq!(parse_local("23/11/2026", 480), None);
    }

    #[test]
    fn offsets_format_as_clock() {
        assert_eq!(format_offset(0), "0:00");
        assert_eq!(format_offset(61_500), "1:01");
        assert_eq!(format_offset(3_723_000), "1:02:03");
    }
}
