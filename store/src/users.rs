//! Users, roles, password login (argon2id), browser sessions and API tokens.

use std::fmt;
use std::str::FromStr;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

/// What a user may do. Routes check it on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    QaManager,
    Reviewer,
    Supervisor,
    Agent,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::QaManager,
        Role::Reviewer,
        Role::Supervisor,
        Role::Agent,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::QaManager => "qa_manager",
            Role::Reviewer => "reviewer",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> StoreResult<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown role {s:?}; roles are admin, qa_manager, reviewer, supervisor, agent, auditor"
                ))
            })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    locale: String,
    disabled: i64,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> StoreResult<User> {
        Ok(User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role.parse().map_err(|_| StoreError::Corrupt {
                table: "users",
                reason: format!("role {:?}", r.role),
            })?,
            locale: r.locale,
            disabled: r.disabled != 0,
            created_at: r.created_at,
        })
    }
}

/// A logged-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "id, username, display_name, role, locale, disabled, created_at";

pub fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    // Argon2::default() is argon2id with the RFC 9106 / OWASP second recommended parameters.
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Password(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random secret, URL-safe, 256 bits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn check_username(username: &str) -> StoreResult<()> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "user name {username:?} must be 1-64 characters of letters, digits, '.', '_', '-', '@'"
        )))
    }
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        role: Role,
    ) -> StoreResult<User> {
        check_username(username)?;
        if password.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "a password needs at least 10 characters".into(),
            ));
        }
        let hash = hash_password(password)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(hash)
        .bind(role.as_str())
        .bind(now_ms())
        .fetch_one(&self.db)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Invalid(format!("user {username:?} already exists"))
            }
            _ => StoreError::Database {
                context: "creating a user",
                source: e,
            },
        })?;
        self.user(id).await
    }

    pub async fn user(&self, id: i64) -> StoreResult<User> {
        sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading a user")?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                id: id.to_string(),
            })?
            .try_into()
    }

    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        sqlx::query_as::<_, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a user")?
        .map(User::try_from)
        .transpose()
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .fetch_all(&self.db)
            .await
            .ctx("listing users")?
            .into_iter()
            .map(User::try_from)
            .collect()
    }

    pub async fn user_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db)
            .await
            .ctx("counting users")
    }

    pub async fn set_user_locale(&self, user_id: i64, locale: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(user_id)
            .execute(&self.db)
            .await
            .ctx("setting a user's language")?;
        Ok(())
    }

    /// Check a user name and password. Unknown users cost the same argon2 work as known ones,
    /// so response time does not reveal which names exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> StoreResult<Option<User>> {
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.db)
                .await
                .ctx("authenticating")?;
        let (id, hash, disabled) = match row {
            Some(r) => r,
            None => {
                static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let dummy =
                    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
                verify_password(password, dummy);
                return Ok(None);
            }
        };
        if !verify_password(password, &hash) || disabled != 0 {
            return Ok(None);
        }
        Ok(Some(self.user(id).await?))
    }

    /// Start a browser session; returns the secret for the cookie. Only its hash is stored.
    pub async fn create_session(&self, user_id: i64, hours: i64) -> StoreResult<(String, Session)> {
        let token = random_secret();
        let csrf = random_secret();
        let now = now_ms();
        let expires_at = now + hours * 3_600_000;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret_hash(&token))
        .bind(user_id)
        .bind(&csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.db)
        .await
        .ctx("creating a session")?;
        let user = self.user(user_id).await?;
        Ok((
            token,
            Session {
                user,
                csrf_token: csrf,
                expires_at,
            },
        ))
    }

    /// The session for a cookie secret, if it exists, has not expired and its user is active.
    pub async fn session(&self, token: &str) -> StoreResult<Option<Session>> {
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT user_id, csrf_token, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(secret_hash(token))
        .bind(now_ms())
        .fetch_optional(&self.db)
        .await
        .ctx("reading a session")?;
        let Some((user_id, csrf_token, expires_at)) = row else {
            return Ok(None);
        };
        let user = self.user(user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(Session {
            user,
            csrf_token,
            expires_at,
        }))
    }

    pub async fn delete_session(&self, token: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(secret_hash(token))
            .bind(now_ms())
            .execute(&self.db)
            .await
            .ctx("ending a session")?;
        Ok(())
    }

    /// Create an API token for a user; the returned secret is shown once and stored hashed.
    pub async fn create_api_token(&self, user_id: i64, name: &str) -> StoreResult<String> {
        let token = format!("est_{}", random_secret());
        sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(name)
        .bind(secret_hash(&token))
        .bind(now_ms())
        .execute(&self.db)
        .await
        .ctx("creating an API token")?;
        Ok(token)
    }

    /// The user of a bearer token, if the token is valid and not revoked.
    pub async fn api_token_user(&self, token: &str) -> StoreResult<Option<User>> {
        let hash = secret_hash(token);
        let user_id: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(&self.db)
        .await
        .ctx("reading an API token")?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now_ms())
            .bind(&hash)
            .execute(&self.db)
            .await
            .ctx("touching an API token")?;
        let user = self.user(user_id).await?;
        Ok((!user.disabled).then_some(user))
    }
}
