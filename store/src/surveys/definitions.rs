//! Surveys and their versions: drafts are edited, publishing checks and freezes a version, like
//! scorecards. Dashboards follow a question across versions by its key, so publishing refuses a
//! key whose kind differs from an earlier published version's.

use std::collections::BTreeMap;

use earshot_survey::{Definition, QuestionKind};

use super::{action, SurveySummary, SurveyVersion, MAX_DEFINITION_BYTES};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    id: i64,
    survey_id: i64,
    version: i64,
    definition: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    published_by: Option<String>,
}

impl TryFrom<VersionRow> for SurveyVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> StoreResult<Self> {
        let definition = Definition::from_json(&r.definition).map_err(|e| StoreError::Corrupt {
            table: "survey_versions",
            reason: format!("version {}: {e}", r.id),
        })?;
        Ok(SurveyVersion {
            id: r.id,
            survey_id: r.survey_id,
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

pub(super) const VERSION_COLUMNS: &str = "id, survey_id, version, definition, created_by, \
    created_at, updated_at, published_at, published_by";

/// A definition as stored: JSON of a bounded size with a name. Drafts may be incomplete (no
/// questions yet); publishing requires [`Definition::validate`].
fn draft_json(def: &Definition) -> StoreResult<String> {
    if def.name.trim().is_empty() {
        return Err(StoreError::Invalid("a survey needs a name".into()));
    }
    let json = def.to_json();
    if json.len() > MAX_DEFINITION_BYTES {
        return Err(StoreError::Invalid(format!(
            "the survey is larger than {} KiB",
            MAX_DEFINITION_BYTES / 1024
        )));
    }
    Ok(json)
}

/// The questions of `draft` whose key an earlier published version used for another kind.
fn kind_changes(draft: &Definition, published: &[SurveyVersion]) -> Vec<String> {
    // Key → (kind, version) as first published.
    let mut kinds: BTreeMap<&str, (QuestionKind, i64)> = BTreeMap::new();
    for v in published.iter().rev() {
        for q in &v.definition.questions {
            kinds.entry(q.key.as_str()).or_insert((q.kind, v.version));
        }
    }
    draft
        .questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let (kind, version) = kinds.get(q.key.as_str())?;
            (*kind != q.kind).then(|| {
                format!(
                    "questions[{i}].kind: the key \"{}\" is a {kind} question in version \
                     {version}; a key keeps its kind across versions (dashboards follow it), so \
                     use a new key for a {} question",
                    q.key, q.kind
                )
            })
        })
        .collect()
}

impl Store {
    /// A new survey with `def` as its version 1 draft.
    pub async fn create_survey(&self, def: &Definition, actor: &str) -> StoreResult<SurveyVersion> {
        let json = draft_json(def)?;
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("creating a survey")?;
        let survey_id: i64 = sqlx::query_scalar(
            "INSERT INTO surveys (name, created_by, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(def.name.trim())
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("creating a survey")?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO survey_versions \
                 (survey_id, version, definition, created_by, created_at, updated_at) \
             VALUES ($1, 1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(survey_id)
        .bind(&json)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("creating a survey")?;
        tx.commit().await.ctx("creating a survey")?;
        self.audit(
            actor,
            action::SURVEY_CREATE,
            &format!("survey:{survey_id}"),
            serde_json::json!({ "name": def.name, "version": 1 }),
        )
        .await?;
        self.survey_version(id).await
    }

    /// Save `def` as the survey's draft: the open draft is updated, or — when every version is
    /// published — a new draft version is made, so published versions never change.
    pub async fn save_survey_draft(
        &self,
        survey_id: i64,
        def: &Definition,
        actor: &str,
    ) -> StoreResult<SurveyVersion> {
        const CTX: &str = "saving a survey draft";
        let json = draft_json(def)?;
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx(CTX)?;
        let latest: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, version, published_at FROM survey_versions \
             WHERE survey_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(survey_id)
        .fetch_optional(&mut *tx)
        .await
        .ctx(CTX)?;
        let Some((latest_id, latest_version, published_at)) = latest else {
            return Err(StoreError::NotFound {
                what: "survey",
                id: survey_id.to_string(),
            });
        };
        let (id, version) = if published_at.is_none() {
            sqlx::query(
                "UPDATE survey_versions SET definition = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(&json)
            .bind(now)
            .bind(latest_id)
            .execute(&mut *tx)
            .await
            .ctx(CTX)?;
            (latest_id, latest_version)
        } else {
            let version = latest_version + 1;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO survey_versions \
                     (survey_id, version, definition, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(survey_id)
            .bind(version)
            .bind(&json)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .ctx("starting a new survey version")?;
            (id, version)
        };
        sqlx::query("UPDATE surveys SET name = $1 WHERE id = $2")
            .bind(def.name.trim())
            .bind(survey_id)
            .execute(&mut *tx)
            .await
            .ctx(CTX)?;
        tx.commit().await.ctx(CTX)?;
        self.audit(
            actor,
            action::SURVEY_EDIT,
            &format!("survey:{survey_id}"),
            serde_json::json!({ "version": version, "name": def.name }),
        )
        .await?;
        self.survey_version(id).await
    }

    /// Publish the draft: it must pass `Definition::validate` (else `StoreError::Invalid` with
    /// the problems), and question keys keep their kind across versions.
    pub async fn publish_survey(&self, survey_id: i64, actor: &str) -> StoreResult<SurveyVersion> {
        let versions = self.survey_versions(survey_id).await?;
        let Some(draft) = versions.iter().find(|v| !v.is_published()) else {
            return Err(StoreError::Conflict(
                "this survey has no draft to publish: edit it to start a new version".into(),
            ));
        };
        let mut problems: Vec<String> = match draft.definition.validate() {
            Ok(()) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        };
        let published: Vec<SurveyVersion> = versions
            .iter()
            .filter(|v| v.is_published())
            .cloned()
            .collect();
        problems.extend(kind_changes(&draft.definition, &published));
        if !problems.is_empty() {
            return Err(StoreError::Invalid(format!(
                "the draft cannot be published: {}",
                problems.join("; ")
            )));
        }
        let mut tx = self.db.begin().await.ctx("publishing a survey")?;
        let done = sqlx::query(
            "UPDATE survey_versions SET published_at = $1, published_by = $2 \
             WHERE id = $3 AND published_at IS NULL",
        )
        .bind(now_ms())
        .bind(actor)
        .bind(draft.id)
        .execute(&mut *tx)
        .await
        .ctx("publishing a survey")?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the draft was published by someone else meanwhile".into(),
            ));
        }
        // The metrics pages show the newest published version's questions.
        super::bump_generation(&mut *tx).await?;
        tx.commit().await.ctx("publishing a survey")?;
        self.audit(
            actor,
            action::SURVEY_PUBLISH,
            &format!("survey:{survey_id}"),
            serde_json::json!({ "version": draft.version, "version_id": draft.id }),
        )
        .await?;
        self.survey_version(draft.id).await
    }

    pub async fn survey_version(&self, id: i64) -> StoreResult<SurveyVersion> {
        sqlx::query_as::<_, VersionRow>(&format!(
            "SELECT {VERSION_COLUMNS} FROM survey_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await
        .ctx("reading a survey version")?
        .ok_or_else(|| StoreError::NotFound {
            what: "survey version",
            id: id.to_string(),
        })?
        .try_into()
    }

    /// Every version of a survey, newest first.
    pub async fn survey_versions(&self, survey_id: i64) -> StoreResult<Vec<SurveyVersion>> {
        let rows = sqlx::query_as::<_, VersionRow>(&format!(
            "SELECT {VERSION_COLUMNS} FROM survey_versions WHERE survey_id = $1 \
             ORDER BY version DESC"
        ))
        .bind(survey_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading survey versions")?;
        if rows.is_empty() {
            return Err(StoreError::NotFound {
                what: "survey",
                id: survey_id.to_string(),
            });
        }
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn survey_draft(&self, survey_id: i64) -> StoreResult<Option<SurveyVersion>> {
        Ok(self
            .survey_versions(survey_id)
            .await?
            .into_iter()
            .find(|v| !v.is_published()))
    }

    /// The newest published version of a survey (`None` while it has none); `NotFound` for a
    /// survey that does not exist.
    pub async fn latest_published_survey(
        &self,
        survey_id: i64,
    ) -> StoreResult<Option<SurveyVersion>> {
        Ok(self
            .survey_versions(survey_id)
            .await?
            .into_iter()
            .find(SurveyVersion::is_published))
    }

    /// Every survey with its newest published version, its draft, its answered responses and
    /// the queues it is assigned to (the list page).
    pub async fn surveys(&self) -> StoreResult<Vec<SurveySummary>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            published: Option<i64>,
            published_id: Option<i64>,
            draft: Option<i64>,
            responses: i64,
        }
        let rows = sqlx::query_as::<_, Row>(
            "SELECT s.id, s.name, \
                (SELECT MAX(v.version) FROM survey_versions v \
                 WHERE v.survey_id = s.id AND v.published_at IS NOT NULL) AS published, \
                (SELECT MAX(v.id) FROM survey_versions v WHERE v.survey_id = s.id \
                 AND v.published_at IS NOT NULL AND v.version = \
                     (SELECT MAX(w.version) FROM survey_versions w \
                      WHERE w.survey_id = s.id AND w.published_at IS NOT NULL)) AS published_id, \
                (SELECT MAX(v.version) FROM survey_versions v \
                 WHERE v.survey_id = s.id AND v.published_at IS NULL) AS draft, \
                (SELECT COUNT(*) FROM survey_responses r JOIN survey_versions v \
                    ON v.id = r.survey_version_id \
                 WHERE v.survey_id = s.id AND r.answered_at IS NOT NULL) AS responses \
             FROM surveys s ORDER BY s.name, s.id",
        )
        .fetch_all(&self.db)
        .await
        .ctx("listing surveys")?;
        let mut queues: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (survey_id, queue) in sqlx::query_as::<_, (i64, String)>(
            "SELECT survey_id, queue FROM survey_assignments ORDER BY queue",
        )
        .fetch_all(&self.db)
        .await
        .ctx("listing survey assignments")?
        {
            queues.entry(survey_id).or_default().push(queue);
        }
        Ok(rows
            .into_iter()
            .map(|r| SurveySummary {
                queues: queues.remove(&r.id).unwrap_or_default(),
                id: r.id,
                name: r.name,
                published: r.published.zip(r.published_id),
                draft: r.draft,
                responses: r.responses,
            })
            .collect())
    }
}
