//! Signed, expiring, single-use web survey links.
//!
//! A token is `{link id}.{nonce}.{signature}`: the nonce is 16 random bytes and the signature
//! an HMAC-SHA-256, both base64url without padding, over a canonical string of the link's id,
//! call, survey version, expiry, nonce and language ([`canonical`]). The key is a secret made on
//! first use and kept in `survey_link_keys`. The signature is not stored, so a copy of the
//! database's links alone cannot make a token; anyone changing a link's row (another call, a
//! later expiry) breaks its signature.
//!
//! A token is checked in this order, and every failure records nothing: its form, then the
//! signature (in constant time, with `Mac::verify_slice`) against the row the id names —
//! before anything else about that row is looked at, so a forged token learns nothing about
//! the link (a wrong id, a bad signature and a changed nonce all read [`LinkError::Tampered`]);
//! then whether it was used, whether it expired, whether the call already has an answered
//! survey. Using a link is `UPDATE … SET used_at WHERE used_at IS NULL` in the transaction that
//! stores the answers: of two concurrent uses, one updates no row and reads "used".

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use earshot_survey::{Answer, Language};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::AnyConnection;

use super::responses::{
    call_facts_on, check_answers, insert_response_on, published_version_on, AnswerRow, NewResponse,
};
use super::{
    action, bump_generation, parse_language, Channel, IssuedLink, LinkError, OpenLink,
    LINK_TTL_MAX_MS, LINK_TTL_MIN_MS,
};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

type HmacSha256 = Hmac<Sha256>;

/// Random bytes in a link's nonce.
const NONCE_BYTES: usize = 16;
/// Bytes of an HMAC-SHA-256.
const SIGNATURE_BYTES: usize = 32;
/// Who the audit log names for a customer's web answer.
const WEB_ACTOR: &str = "web-survey";

/// Base64url without padding (RFC 4648 §5): URL-safe as it is. Decoding refuses padding,
/// other alphabets and non-canonical spellings (unused low bits set), so that each byte string
/// has exactly one text form.
fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A token split into its parts; `None` when it is not of our form.
struct Token {
    id: i64,
    nonce: String,
    signature: Vec<u8>,
}

fn parse_token(token: &str) -> Option<Token> {
    let mut parts = token.trim().split('.');
    let (id, nonce, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || id.is_empty() || id.len() > 18 {
        return None;
    }
    if !id.bytes().all(|b| b.is_ascii_digit()) || id.starts_with('0') {
        return None;
    }
    let id: i64 = id.parse().ok()?;
    if base64url_decode(nonce)?.len() != NONCE_BYTES {
        return None;
    }
    let signature = base64url_decode(signature)?;
    if signature.len() != SIGNATURE_BYTES {
        return None;
    }
    Some(Token {
        id,
        nonce: nonce.to_owned(),
        signature,
    })
}

/// What a link's signature covers: every fact of the link a customer's answer depends on.
fn canonical(
    id: i64,
    call_id: i64,
    version_id: i64,
    expires_at: i64,
    nonce: &str,
    language: &str,
) -> String {
    format!(
        "earshot-survey-link/1\n{id}\n{call_id}\n{version_id}\n{expires_at}\n{nonce}\n{language}"
    )
}

fn mac(secret: &[u8], message: &str) -> HmacSha256 {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    mac
}

/// Equality of two strings without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A link's row.
#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    call_id: i64,
    survey_version_id: i64,
    nonce: String,
    language: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl LinkRow {
    fn signed_by(&self, secret: &[u8], token: &Token) -> bool {
        let message = canonical(
            self.id,
            self.call_id,
            self.survey_version_id,
            self.expires_at,
            &token.nonce,
            &self.language,
        );
        mac(secret, &message).verify_slice(&token.signature).is_ok()
            && constant_time_eq(token.nonce.as_bytes(), self.nonce.as_bytes())
    }
}

/// Check a token against its link, in the order of the module documentation.
async fn check_link_on(
    conn: &mut AnyConnection,
    secret: &[u8],
    token: &str,
    now: i64,
) -> StoreResult<Result<LinkRow, LinkError>> {
    const CTX: &str = "checking a survey link";
    let Some(token) = parse_token(token) else {
        return Ok(Err(LinkError::Tampered));
    };
    let row: Option<LinkRow> = sqlx::query_as(
        "SELECT id, call_id, survey_version_id, nonce, language, created_at, expires_at, used_at \
         FROM survey_links WHERE id = $1",
    )
    .bind(token.id)
    .fetch_optional(&mut *conn)
    .await
    .ctx(CTX)?;
    let Some(row) = row.filter(|row| row.signed_by(secret, &token)) else {
        return Ok(Err(LinkError::Tampered));
    };
    if let Some(used_at) = row.used_at {
        return Ok(Err(LinkError::Used { used_at }));
    }
    if now >= row.expires_at {
        return Ok(Err(LinkError::Expired {
            expired_at: row.expires_at,
        }));
    }
    if call_answered_on(conn, row.call_id).await? {
        return Ok(Err(LinkError::AlreadyAnswered));
    }
    Ok(Ok(row))
}

async fn call_answered_on(conn: &mut AnyConnection, call_id: i64) -> StoreResult<bool> {
    let answered: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE call_id = $1 AND answered_at IS NOT NULL",
    )
    .bind(call_id)
    .fetch_optional(&mut *conn)
    .await
    .ctx("looking for a call's answered survey")?;
    Ok(answered.is_some())
}

impl Store {
    /// The key links are signed with: made (32 random bytes) by whoever needs it first; a
    /// concurrent first use keeps the row that was inserted first and reads it.
    async fn survey_link_secret(&self) -> StoreResult<Vec<u8>> {
        const CTX: &str = "reading the survey link key";
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        sqlx::query(
            "INSERT INTO survey_link_keys (id, secret, created_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(hex::encode(fresh))
        .bind(now_ms())
        .execute(&self.db)
        .await
        .ctx(CTX)?;
        let secret: String = sqlx::query_scalar("SELECT secret FROM survey_link_keys WHERE id = 1")
            .fetch_one(&self.db)
            .await
            .ctx(CTX)?;
        hex::decode(&secret).map_err(|e| StoreError::Corrupt {
            table: "survey_link_keys",
            reason: e.to_string(),
        })
    }

    /// A signed, single-use link for a call's survey, valid for `ttl_ms` (1 minute to 90
    /// days). The survey is the one assigned to the call's queue, else `survey_id` (required
    /// then); its newest published version is asked, in `language` when the survey is offered
    /// in it (else in its first language). Refused (Conflict) when the call already has an
    /// answered survey. The token is returned once and never logged or stored.
    pub async fn issue_survey_link(
        &self,
        call_id: i64,
        survey_id: Option<i64>,
        language: Language,
        ttl_ms: i64,
        actor: &str,
    ) -> StoreResult<IssuedLink> {
        const CTX: &str = "issuing a survey link";
        if !(LINK_TTL_MIN_MS..=LINK_TTL_MAX_MS).contains(&ttl_ms) {
            return Err(StoreError::Invalid(format!(
                "a survey link lives from 1 minute to 90 days, not {ttl_ms} ms"
            )));
        }
        let call = self.call(call_id).await?;
        let assigned = match call.queue.as_deref() {
            Some(queue) => self.survey_assignment(queue).await?,
            None => None,
        };
        let survey_id = match (assigned, survey_id) {
            (Some(a), _) => a.survey_id,
            (None, Some(id)) => id,
            (None, None) => {
                return Err(StoreError::Invalid(
                    "the call's queue has no survey assigned: choose a survey".into(),
                ))
            }
        };
        let version = self
            .latest_published_survey(survey_id)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "survey {survey_id} has no published version to send"
                ))
            })?;
        let language = version
            .definition
            .language_for(Some(language))
            .unwrap_or(language);
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let nonce = base64url_encode(&nonce);
        let secret = self.survey_link_secret().await?;
        let now = now_ms();
        let expires_at = now + ttl_ms;

        let mut tx = self.db.begin().await.ctx(CTX)?;
        // A link is an offered survey in the metrics. Written first so that SQLite takes its
        // write lock before this transaction reads (see `answer_survey_link`).
        bump_generation(&mut *tx).await?;
        if call_answered_on(&mut tx, call_id).await? {
            return Err(StoreError::Conflict(format!(
                "call {call_id} already has an answered survey"
            )));
        }
        let facts = call_facts_on(&mut tx, call_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO survey_links (call_id, survey_version_id, nonce, language, agent, team, \
                 queue, call_started_at, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(call_id)
        .bind(version.id)
        .bind(&nonce)
        .bind(language.tag())
        .bind(&facts.agent)
        .bind(&facts.team)
        .bind(&facts.queue)
        .bind(facts.started_at)
        .bind(actor)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await
        .ctx(CTX)?;
        tx.commit().await.ctx(CTX)?;

        let message = canonical(id, call_id, version.id, expires_at, &nonce, language.tag());
        let signature = base64url_encode(&mac(&secret, &message).finalize().into_bytes());
        self.audit(
            actor,
            action::SURVEY_LINK,
            &format!("call:{call_id}"),
            serde_json::json!({
                "link_id": id,
                "survey_version_id": version.id,
                "language": language.tag(),
                "expires_at": expires_at,
            }),
        )
        .await?;
        Ok(IssuedLink {
            id,
            call_id,
            survey_version_id: version.id,
            token: format!("{id}.{nonce}.{signature}"),
            language,
            expires_at,
        })
    }

    /// Check a token without using it (the form's GET).
    pub async fn open_survey_link(
        &self,
        token: &str,
        now: i64,
    ) -> StoreResult<Result<OpenLink, LinkError>> {
        let secret = self.survey_link_secret().await?;
        let mut conn = self.db.acquire().await.ctx("opening a survey link")?;
        let link = match check_link_on(&mut conn, &secret, token, now).await? {
            Ok(link) => link,
            Err(e) => return Ok(Err(e)),
        };
        drop(conn);
        Ok(Ok(OpenLink {
            link_id: link.id,
            call_id: link.call_id,
            language: parse_language(&link.language, "survey_links")?,
            expires_at: link.expires_at,
            version: self.survey_version(link.survey_version_id).await?,
        }))
    }

    /// Use the link: in one transaction mark it used and store the answers as the call's web
    /// response (and raise an alert on a low answer). A link that cannot be used (tampered,
    /// expired, used, or its call answered meanwhile) is `Ok(Err(..))`; answers that do not fit
    /// (an unknown question, a wrong kind or range, none at all) are `StoreError::Invalid`
    /// naming the question. Either way nothing is stored and the link stays as it was.
    pub async fn answer_survey_link(
        &self,
        token: &str,
        answers: &[(String, Answer)],
        now: i64,
    ) -> StoreResult<Result<i64, LinkError>> {
        const CTX: &str = "storing a web survey answer";
        let secret = self.survey_link_secret().await?;
        let mut tx = self.db.begin().await.ctx(CTX)?;
        // Write first: the answer changes what dashboards show, and writing before reading makes
        // a concurrent use of the same link wait here for this one to finish (SQLite takes its
        // write lock now, PostgreSQL the generation row's lock) and then read "used", rather than
        // fail to upgrade a read transaction on SQLite. Rolled back with everything else when
        // the link or the answers are refused.
        bump_generation(&mut *tx).await?;
        let link = match check_link_on(&mut tx, &secret, token, now).await? {
            Ok(link) => link,
            Err(e) => return Ok(Err(e)),
        };
        let version = published_version_on(&mut tx, link.survey_version_id).await?;
        let rows: Vec<AnswerRow> = answers
            .iter()
            .map(|(key, answer)| AnswerRow {
                key: key.clone(),
                answer: Some(*answer),
                invalid: 0,
                timeouts: 0,
            })
            .collect();
        check_answers(&version.definition, &rows)?;
        if rows.is_empty() {
            return Err(StoreError::Invalid("answer at least one question".into()));
        }
        let used =
            sqlx::query("UPDATE survey_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now)
                .bind(link.id)
                .execute(&mut *tx)
                .await
                .ctx(CTX)?;
        if used.rows_affected() == 0 {
            // Someone used it between the check and now.
            let used_at: Option<i64> =
                sqlx::query_scalar("SELECT used_at FROM survey_links WHERE id = $1")
                    .bind(link.id)
                    .fetch_optional(&mut *tx)
                    .await
                    .ctx(CTX)?
                    .flatten();
            return Ok(Err(LinkError::Used {
                used_at: used_at.unwrap_or(now),
            }));
        }
        let call = call_facts_on(&mut tx, link.call_id).await?;
        let response = NewResponse {
            call_id: link.call_id,
            version_id: version.id,
            definition: &version.definition,
            channel: Channel::Web,
            reason: None,
            language: parse_language(&link.language, "survey_links")?,
            started_at: link.created_at,
            answered_at: Some(now),
            survey_ms: None,
            link_id: Some(link.id),
            answers: rows,
        };
        let Some(response_id) = insert_response_on(&mut tx, &response, &call).await? else {
            // The call was answered (keypad or another link) since the check: roll back.
            return Ok(Err(LinkError::AlreadyAnswered));
        };
        sqlx::query("UPDATE survey_links SET response_id = $1 WHERE id = $2")
            .bind(response_id)
            .bind(link.id)
            .execute(&mut *tx)
            .await
            .ctx(CTX)?;
        tx.commit().await.ctx(CTX)?;
        self.audit(
            WEB_ACTOR,
            action::SURVEY_ANSWER,
            &format!("call:{}", link.call_id),
            serde_json::json!({ "link_id": link.id, "response_id": response_id }),
        )
        .await?;
        Ok(Ok(response_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_is_canonical() {
        // RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff, 0xfe], "-__-"),
        ] {
            assert_eq!(base64url_encode(bytes), text);
            assert_eq!(base64url_decode(text).as_deref(), Some(bytes));
        }
        // Unused low bits set, a character of the other alphabets, an impossible length.
        assert_eq!(base64url_decode("Zh"), None);
        assert_eq!(base64url_decode("Zm9"), None);
        assert_eq!(base64url_decode("Zm+v"), None);
        assert_eq!(base64url_decode("Zm9v="), None);
        assert_eq!(base64url_decode("Zm9vY"), None);
    }

    #[test]
    fn tokens_parse_strictly() {
        let nonce = base64url_encode(&[7; NONCE_BYTES]);
        let sig = base64url_encode(&[9; SIGNATURE_BYTES]);
        let t = parse_token(&format!("42.{nonce}.{sig}")).unwrap();
        assert_eq!((t.id, t.nonce.as_str()), (42, nonce.as_str()));
        assert_eq!(t.signature, vec![9; SIGNATURE_BYTES]);
        for bad in [
            format!("042.{nonce}.{sig}"),
            format!("+42.{nonce}.{sig}"),
            format!("42.{nonce}"),
            format!("42.{nonce}.{sig}.x"),
            format!("42.{nonce}x.{sig}"),
            format!("42.{nonce}.{}", &sig[1..]),
            format!("99999999999999999999.{nonce}.{sig}"),
            String::new(),
        ] {
            assert!(parse_token(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn signature_covers_every_field() {
        let secret = [1u8; 32];
        let base = canonical(1, 2, 3, 4, "n", "en");
        let sig = mac(&secret, &base).finalize().into_bytes();
        for other in [
            canonical(9, 2, 3, 4, "n", "en"),
            canonical(1, 9, 3, 4, "n", "en"),
            canonical(1, 2, 9, 4, "n", "en"),
            canonical(1, 2, 3, 9, "n", "en"),
            canonical(1, 2, 3, 4, "m", "en"),
            canonical(1, 2, 3, 4, "n", "zh-TW"),
        ] {
            assert!(mac(&secret, &other).verify_slice(&sig).is_err(), "{other}");
        }
        assert!(mac(&secret, &base).verify_slice(&sig).is_ok());
        assert!(mac(&[2u8; 32], &base).verify_slice(&sig).is_err());
    }
}
