//! Scorecards and their versions: drafts are edited, publishing freezes a version.

use earshot_scorecard::Definition;
use serde::Serialize;

use super::{action, MAX_DEFINITION_BYTES};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

/// One version of a scorecard: a draft (editable) or published (frozen).
#[derive(Debug, Clone, Serialize)]
pub struct ScorecardVersion {
    pub id: i64,
    pub scorecard_id: i64,
    pub version: i64,
    pub definition: Definition,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
}

impl ScorecardVersion {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }
}

/// A scorecard as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScorecardSummary {
    pub id: i64,
    pub name: String,
    /// The newest published version's number and id.
    pub published: Option<(i64, i64)>,
    /// The draft's version number, if one is being edited.
    pub draft: Option<i64>,
    pub evaluations: i64,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    scorecard_id: i64,
    version: i64,
    definition: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    published_by: Option<String>,
}

impl TryFrom<VersionRow> for ScorecardVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> StoreResult<Self> {
        let definition = Definition::from_json(&r.definition).map_err(|e| StoreError::Corrupt {
            table: "scorecard_versions",
            reason: format!("version {}: {e}", r.id),
        })?;
        Ok(ScorecardVersion {
            id: r.id,
            scorecard_id: r.scorecard_id,
            version: r.version,
            definition,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            published_at: r.published_at,
            published_by: r.published_by,
        })
    }
}

const VERSION_COLUMNS: &str = "id, scorecard_id, version, definition, created_by, created_at, \
                               updated_at, published_at, published_by";

/// A definition as stored: JSON of a bounded size with a name. Drafts may be incomplete
/// (a section without questions yet); publishing requires [`Definition::validate`].
fn draft_json(def: &Definition) -> StoreResult<String> {
    if def.name.trim().is_empty() {
        return Err(StoreError::Invalid("a scorecard needs a name".into()));
    }
    let json = def.to_json();
    if json.len() > MAX_DEFINITION_BYTES {
        return Err(StoreError::Invalid(format!(
            "the scorecard is larger than {} KiB",
            MAX_DEFINITION_BYTES / 1024
        )));
    }
    Ok(json)
}

impl Store {
    /// A new scorecard with `def` as its version 1 draft.
    pub async fn create_scorecard(
        &self,
        def: &Definition,
        actor: &str,
    ) -> StoreResult<ScorecardVersion> {
        let json = draft_json(def)?;
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("creating a scorecard")?;
        let scorecard_id: i64 = sqlx::query_scalar(
            "INSERT INTO scorecards (name, created_by, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(def.name.trim())
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("creating a scorecard")?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO scorecard_versions \
                 (scorecard_id, version, definition, created_by, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(scorecard_id)
        .bind(&json)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("creating a scorecard")?;
        tx.commit().await.ctx("creating a scorecard")?;
        self.audit(
            actor,
            action::SCORECARD_CREATE,
            &format!("scorecard:{scorecard_id}"),
            serde_json::json!({ "name": def.name, "version": 1 }),
        )
        .await?;
        self.scorecard_version(id).await
    }

    /// Save `def` as the scorecard's draft: the open draft is updated, or — when every version
    /// is published — a new draft version is made, so published versions never change.
    pub async fn save_scorecard_draft(
        &self,
        scorecard_id: i64,
        def: &Definition,
        actor: &str,
    ) -> StoreResult<ScorecardVersion> {
        let json = draft_json(def)?;
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("saving a scorecard draft")?;
        let latest: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, version, published_at FROM scorecard_versions \
             WHERE scorecard_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(scorecard_id)
        .fetch_optional(&mut *tx)
        .await
        .ctx("saving a scorecard draft")?;
        let Some((latest_id, latest_version, published_at)) = latest else {
            return Err(StoreError::NotFound {
                what: "scorecard",
                id: scorecard_id.to_string(),
            });
        };
        let (id, version) = if published_at.is_none() {
            sqlx::query(
                "UPDATE scorecard_versions SET definition = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(&json)
            .bind(now)
            .bind(latest_id)
            .execute(&mut *tx)
            .await
            .ctx("saving a scorecard draft")?;
            (latest_id, latest_version)
        } else {
            let version = latest_version + 1;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO scorecard_versions \
                     (scorecard_id, version, definition, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(scorecard_id)
            .bind(version)
            .bind(&json)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .ctx("starting a new scorecard version")?;
            (id, version)
        };
        sqlx::query("UPDATE scorecards SET name = $1 WHERE id = $2")
            .bind(def.name.trim())
            .bind(scorecard_id)
            .execute(&mut *tx)
            .await
            .ctx("saving a scorecard draft")?;
        tx.commit().await.ctx("saving a scorecard draft")?;
        self.audit(
            actor,
            action::SCORECARD_EDIT,
            &format!("scorecard:{scorecard_id}"),
            serde_json::json!({ "version": version, "name": def.name }),
        )
        .await?;
        self.scorecard_version(id).await
    }

    /// Publish the scorecard's draft: it must pass [`Definition::validate`]; from now on it is
    /// frozen, and new evaluations use it.
    pub async fn publish_scorecard(
        &self,
        scorecard_id: i64,
        actor: &str,
    ) -> StoreResult<ScorecardVersion> {
        let draft = self.scorecard_draft(scorecard_id).await?.ok_or_else(|| {
            StoreError::Conflict(
                "this scorecard has no draft to publish: edit it to start a new version".into(),
            )
        })?;
        if let Err(problems) = draft.definition.validate() {
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
            return Err(StoreError::Invalid(format!(
                "the draft cannot be published: {}",
                list.join("; ")
            )));
        }
        let done = sqlx::query(
            "UPDATE scorecard_versions SET published_at = $1, published_by = $2 \
             WHERE id = $3 AND published_at IS NULL",
        )
        .bind(now_ms())
        .bind(actor)
        .bind(draft.id)
        .execute(&self.db)
        .await
        .ctx("publishing a scorecard")?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the draft was published by someone else meanwhile".into(),
            ));
        }
        // Dashboards show the newest published version's question texts.
        super::bump_generation(&self.db).await?;
        self.audit(
            actor,
            action::SCORECARD_PUBLISH,
            &format!("scorecard:{scorecard_id}"),
            serde_json::json!({ "version": draft.version, "version_id": draft.id }),
        )
        .await?;
        self.scorecard_version(draft.id).await
    }

    pub async fn scorecard_version(&self, id: i64) -> StoreResult<ScorecardVersion> {
        sqlx::query_as::<_, VersionRow>(&format!(
            "SELECT {VERSION_COLUMNS} FROM scorecard_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a scorecard version")?
        .ok_or_else(|| StoreError::NotFound {
            what: "scorecard version",
            id: id.to_string(),
        })?
        .try_into()
    }

    /// Every version of a scorecard, newest first.
    pub async fn scorecard_versions(
        &self,
        scorecard_id: i64,
    ) -> StoreResult<Vec<ScorecardVersion>> {
        let rows = sqlx::query_as::<_, VersionRow>(&format!(
            "SELECT {VERSION_COLUMNS} FROM scorecard_versions WHERE scorecard_id = $1 \
             ORDER BY version DESC"
        ))
        .bind(scorecard_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading scorecard versions")?;
        if rows.is_empty() {
            return Err(StoreError::NotFound {
                what: "scorecard",
                id: scorecard_id.to_string(),
            });
        }
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn scorecard_draft(
        &self,
        scorecard_id: i64,
    ) -> StoreResult<Option<ScorecardVersion>> {
        Ok(self
            .scorecard_versions(scorecard_id)
            .await?
            .into_iter()
            .find(|v| !v.is_published()))
    }

    /// The newest published version of every scorecard: what evaluations can be started on.
    pub async fn published_scorecards(&self) -> StoreResult<Vec<ScorecardVersion>> {
        let rows = sqlx::query_as::<_, VersionRow>(&format!(
            "SELECT {VERSION_COLUMNS} FROM scorecard_versions v \
             WHERE published_at IS NOT NULL AND version = \
                 (SELECT MAX(w.version) FROM scorecard_versions w \
                  WHERE w.scorecard_id = v.scorecard_id AND w.published_at IS NOT NULL) \
             ORDER BY scorecard_id"
        ))
        .fetch_all(&self.db)
        .await
        .ctx("listing published scorecards")?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every scorecard's id and name, by name: for choosing one (no counting).
    pub async fn scorecard_names(&self) -> StoreResult<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM scorecards ORDER BY name, id")
            .fetch_all(&self.db)
            .await
            .ctx("listing scorecard names")
    }

    /// Every scorecard with its newest published version, its draft and how many evaluations
    /// it has (the list page).
    pub async fn scorecards(&self) -> StoreResult<Vec<ScorecardSummary>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            published: Option<i64>,
            published_id: Option<i64>,
            draft: Option<i64>,
            evaluations: i64,
        }
        let rows = sqlx::query_as::<_, Row>(
            "SELECT s.id, s.name, \
                (SELECT MAX(v.version) FROM scorecard_versions v \
                 WHERE v.scorecard_id = s.id AND v.published_at IS NOT NULL) AS published, \
                (SELECT MAX(v.id) FROM scorecard_versions v WHERE v.scorecard_id = s.id \
                 AND v.published_at IS NOT NULL AND v.version = \
                     (SELECT MAX(w.version) FROM scorecard_versions w \
                      WHERE w.scorecard_id = s.id AND w.published_at IS NOT NULL)) AS published_id, \
                (SELECT MAX(v.version) FROM scorecard_versions v \
                 WHERE v.scorecard_id = s.id AND v.published_at IS NULL) AS draft, \
                (SELECT COUNT(*) FROM evaluations e JOIN scorecard_versions v \
                    ON v.id = e.scorecard_version_id WHERE v.scorecard_id = s.id) AS evaluations \
             FROM scorecards s ORDER BY s.name, s.id",
        )
        .fetch_all(&self.db)
        .await
        .ctx("listing scorecards")?;
        Ok(rows
            .into_iter()
            .map(|r| ScorecardSummary {
                id: r.id,
                name: r.name,
                published: r.published.zip(r.published_id),
                draft: r.draft,
                evaluations: r.evaluations,
            })
            .collect())
    }
}
