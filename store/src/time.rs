//! Time in the store is Unix epoch milliseconds (UTC), the same on SQLite and PostgreSQL.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Utc};

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

/// [`format_local`] to the minute, as `2026-11-23 14:05`.
pub fn format_local_minute(ms: Millis, utc_offset_minutes: i32) -> String {
    let mut s = format_local(ms, utc_offset_minutes);
    s.truncate(16);
    s
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

/// Local midnight at the start of `date`; `None` out of range.
pub fn local_day_start(date: NaiveDate, utc_offset_minutes: i32) -> Option<Millis> {
    let offset = FixedOffset::east_opt(utc_offset_minutes * 60)?;
    offset
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.timestamp_millis())
}

/// The local days `from` to `to`, both included, as `[start, end)` in epoch milliseconds;
/// `None` out of range.
pub fn local_days(
    from: NaiveDate,
    to: NaiveDate,
    utc_offset_minutes: i32,
) -> Option<(Millis, Millis)> {
    let end = to.checked_add_days(Days::new(1))?;
    Some((
        local_day_start(from, utc_offset_minutes)?,
        local_day_start(end, utc_offset_minutes)?,
    ))
}

/// The local dates (`YYYY-MM-DD`) of the first and last day of `[start, end)`, as a form shows
/// a period ([`local_days`] the other way round).
pub fn local_dates(start: Millis, end: Millis, utc_offset_minutes: i32) -> (String, String) {
    let day = |ms: Millis| {
        to_local(ms, utc_offset_minutes)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    (day(start), day(end - 1))
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
    fn local_days_include_both_ends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (start, end) = local_days(d("2026-03-01"), d("2026-03-31"), 480).unwrap();
        assert_eq!(Some(start), parse_local("2026-03-01", 480));
        assert_eq!(Some(end), parse_local("2026-04-01", 480));
        assert_eq!(
            local_dates(start, end, 480),
            ("2026-03-01".to_string(), "2026-03-31".to_string())
        );
    }

    #[test]
    fn offsets_format_as_clock() {
        assert_eq!(format_offset(0), "0:00");
        assert_eq!(format_offset(61_500), "1:01");
        assert_eq!(format_offset(3_723_000), "1:02:03");
    }
}
