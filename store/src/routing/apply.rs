//! Reading and changing the routing configuration in the store.
//!
//! Every change, whether a whole file (`earshot apply`) or one item from the admin pages, runs
//! the same way, in one transaction: read the current configuration, build the wanted one,
//! validate it whole, write the difference, commit, then write the audit log. A change that
//! fails validation writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::model::{Agent, Cidr, Member, Menu, MenuAction, Queue, RoutingConfig, Strategy, Trunk};
use super::validate::{validate, InvalidRouting, ItemKind, Problems};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Backend, Store, StoreError, StoreResult};

/// Why a routing change was not made.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// The configuration is wrong; every problem is listed. Nothing was written.
    #[error("{0}")]
    Invalid(#[from] InvalidRouting),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The change is committed but its audit entry could not be written.
    #[error("the routing change was made ({summary}) but its audit entry could not be written: {source}")]
    Audit {
        summary: Box<ApplySummary>,
        #[source]
        source: StoreError,
    },
}

/// How [`Store::apply_routing`] treats what the store has and the configuration lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyMode {
    /// The store ends up holding exactly the given configuration: missing items are deleted.
    Replace,
}

/// What a change did (or, for a plan, would do), by item name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    pub agents: Changes,
    pub queues: Changes,
    pub menus: Changes,
    pub trunks: Changes,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub created: Vec<String>,
    pub updated: Vec<Updated>,
    pub deleted: Vec<String>,
}

/// An item that changed, and which of its fields did (as [`RoutingConfig`] names them;
/// credentials show as `sip_ha1`, never their value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Updated {
    pub name: String,
    pub fields: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }

    pub fn updated_names(&self) -> Vec<&str> {
        self.updated.iter().map(|u| u.name.as_str()).collect()
    }
}

impl ApplySummary {
    pub fn is_empty(&self) -> bool {
        self.kinds().iter().all(|(_, c)| c.is_empty())
    }

    pub fn kinds(&self) -> [(ItemKind, &Changes); 4] {
        [
            (ItemKind::Agent, &self.agents),
            (ItemKind::Queue, &self.queues),
            (ItemKind::Menu, &self.menus),
            (ItemKind::Trunk, &self.trunks),
        ]
    }

    fn kind_mut(&mut self, kind: ItemKind) -> &mut Changes {
        match kind {
            ItemKind::Agent => &mut self.agents,
            ItemKind::Queue => &mut self.queues,
            ItemKind::Menu => &mut self.menus,
            ItemKind::Trunk => &mut self.trunks,
        }
    }

    /// Counts: (created, updated, deleted).
    pub fn totals(&self) -> (usize, usize, usize) {
        self.kinds().iter().fold((0, 0, 0), |(c, u, d), (_, x)| {
            (
                c + x.created.len(),
                u + x.updated.len(),
                d + x.deleted.len(),
            )
        })
    }
}

/// One line per change, then the counts: what `earshot apply` prints.
impl fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no changes");
        }
        for (kind, c) in self.kinds() {
            for n in &c.created {
                writeln!(f, "created {kind} {n:?}")?;
            }
            for u in &c.updated {
                writeln!(f, "updated {kind} {:?}: {}", u.name, u.fields.join(", "))?;
            }
            for n in &c.deleted {
                writeln!(f, "deleted {kind} {n:?}")?;
            }
        }
        let (c, u, d) = self.totals();
        write!(f, "{c} created, {u} updated, {d} deleted")
    }
}

/// Audit actions of routing changes.
pub mod action {
    /// A whole configuration applied (`earshot apply`, or an import from the admin pages).
    pub const APPLY: &str = "routing.apply";
    /// One item changed from the admin pages or the API: `routing.queue.update` and so on.
    pub fn item(kind: super::ItemKind, change: &str) -> String {
        format!("routing.{kind}.{change}")
    }
}

/// Whether a single-item change created, updated or left the item as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemChange {
    Created,
    Updated,
    Unchanged,
}

impl Store {
    /// The whole routing configuration, read in one snapshot, in canonical order
    /// ([`RoutingConfig::normalized`]). Agents carry their HA1: the recorder needs it.
    pub async fn routing_config(&self) -> StoreResult<RoutingConfig> {
        let begin = match self.backend {
            // READ COMMITTED would let a concurrent apply show between two SELECTs.
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            // In WAL mode a read transaction sees one snapshot from its first read.
            Backend::Sqlite => "BEGIN",
        };
        let mut tx = self
            .db
            .begin_with(begin)
            .await
            .ctx("starting to read the routing configuration")?;
        let (config, _) = load(&mut tx).await?;
        tx.rollback()
            .await
            .ctx("ending a routing configuration read")?;
        Ok(config)
    }

    /// Make the store hold `config` (see [`ApplyMode`]) in one transaction, after validating it
    /// whole, and write one audit entry for it as `actor`. Agents without `sip_ha1` keep the
    /// stored one; a new agent without one is an error.
    pub async fn apply_routing(
        &self,
        config: &RoutingConfig,
        mode: ApplyMode,
        actor: &str,
    ) -> Result<ApplySummary, RoutingError> {
        let summary = self.apply_inner(config, mode, true).await?;
        if !summary.is_empty() {
            let detail = serde_json::to_value(&summary).unwrap_or_default();
            self.audit(actor, action::APPLY, "routing", detail)
                .await
                .map_err(|source| RoutingError::Audit {
                    summary: Box::new(summary.clone()),
                    source,
                })?;
        }
        Ok(summary)
    }

    /// What [`Store::apply_routing`] would do, without doing it: the same validation and the
    /// same writes in a transaction that is rolled back.
    pub async fn plan_routing(
        &self,
        config: &RoutingConfig,
        mode: ApplyMode,
    ) -> Result<ApplySummary, RoutingError> {
        self.apply_inner(config, mode, false).await
    }

    async fn apply_inner(
        &self,
        config: &RoutingConfig,
        mode: ApplyMode,
        commit: bool,
    ) -> Result<ApplySummary, RoutingError> {
        let mut tx = self.begin_routing_write().await?;
        let (current, ids) = load(&mut tx).await?;
        let wanted = match mode {
            ApplyMode::Replace => config.clone(),
        };
        let summary = write_difference(&mut tx, &current, &ids, wanted).await?;
        if commit {
            tx.commit()
                .await
                .ctx("committing the routing configuration")?;
        } else {
            tx.rollback().await.ctx("rolling back a routing plan")?;
        }
        Ok(summary)
    }

    /// A write transaction that routing writers take one at a time.
    async fn begin_routing_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => {
                // IMMEDIATE takes the write lock now: a deferred transaction that reads and
                // then writes can fail with SQLITE_BUSY when another writer came in between.
                self.db
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .ctx("starting a routing change")
            }
            Backend::Postgres => {
                let mut tx = self.db.begin().await.ctx("starting a routing change")?;
                sqlx::query("SELECT pg_advisory_xact_lock(7236071)")
                    .execute(&mut *tx)
                    .await
                    .ctx("waiting for other routing changes")?;
                Ok(tx)
            }
        }
    }

    /// Change the configuration through `change`, which edits a copy of the current one;
    /// validated whole, written in one transaction, each changed item audited as `actor`.
    async fn change_routing(
        &self,
        actor: &str,
        change: impl FnOnce(&mut RoutingConfig) -> Result<(), InvalidRouting>,
    ) -> Result<ApplySummary, RoutingError> {
        let mut tx = self.begin_routing_write().await?;
        let (current, ids) = load(&mut tx).await?;
        let mut wanted = current.clone();
        change(&mut wanted)?;
        let summary = write_difference(&mut tx, &current, &ids, wanted).await?;
        tx.commit().await.ctx("committing a routing change")?;
        let audit = async {
            for (kind, c) in summary.kinds() {
                for n in &c.created {
                    let target = format!("{kind}:{n}");
                    self.audit(
                        actor,
                        &action::item(kind, "create"),
                        &target,
                        serde_json::json!({}),
                    )
                    .await?;
                }
                for u in &c.updated {
                    let target = format!("{kind}:{}", u.name);
                    let detail = serde_json::json!({ "fields": u.fields });
                    self.audit(actor, &action::item(kind, "update"), &target, detail)
                        .await?;
                }
                for n in &c.deleted {
                    let target = format!("{kind}:{n}");
                    self.audit(
                        actor,
                        &action::item(kind, "delete"),
                        &target,
                        serde_json::json!({}),
                    )
                    .await?;
                }
            }
            Ok::<_, StoreError>(())
        };
        audit.await.map_err(|source| RoutingError::Audit {
            summary: Box::new(summary.clone()),
            source,
        })?;
        Ok(summary)
    }

    /// Create or replace one agent (matched by username). `sip_ha1: None` keeps the stored one.
    pub async fn upsert_agent(
        &self,
        agent: &Agent,
        actor: &str,
    ) -> Result<ItemChange, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                replace_or_push(&mut c.agents, agent.clone(), |a| {
                    a.username == agent.username
                });
                Ok(())
            })
            .await?;
        Ok(item_change(&summary.agents))
    }

    /// Delete an agent, taking it out of every queue. Returns whether it existed.
    pub async fn delete_agent(&self, username: &str, actor: &str) -> Result<bool, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                c.agents.retain(|a| a.username != username);
                for q in &mut c.queues {
                    q.members.retain(|m| m.agent != username);
                }
                Ok(())
            })
            .await?;
        Ok(!summary.agents.deleted.is_empty())
    }

    /// Create or replace one queue (matched by name).
    pub async fn upsert_queue(
        &self,
        queue: &Queue,
        actor: &str,
    ) -> Result<ItemChange, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                replace_or_push(&mut c.queues, queue.clone(), |q| q.name == queue.name);
                Ok(())
            })
            .await?;
        Ok(item_change(&summary.queues))
    }

    /// Delete a queue. Refused while a menu sends calls to it or another queue overflows to it.
    pub async fn delete_queue(&self, name: &str, actor: &str) -> Result<bool, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                c.queues.retain(|q| q.name != name);
                Ok(())
            })
            .await?;
        Ok(!summary.queues.deleted.is_empty())
    }

    /// Create or replace one IVR menu (matched by name).
    pub async fn upsert_menu(&self, menu: &Menu, actor: &str) -> Result<ItemChange, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                replace_or_push(&mut c.menus, menu.clone(), |m| m.name == menu.name);
                Ok(())
            })
            .await?;
        Ok(item_change(&summary.menus))
    }

    /// Delete a menu. Refused while a trunk starts there or another menu leads to it.
    pub async fn delete_menu(&self, name: &str, actor: &str) -> Result<bool, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                c.menus.retain(|m| m.name != name);
                Ok(())
            })
            .await?;
        Ok(!summary.menus.deleted.is_empty())
    }

    /// Create or replace one trunk (matched by name).
    pub async fn upsert_trunk(
        &self,
        trunk: &Trunk,
        actor: &str,
    ) -> Result<ItemChange, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                replace_or_push(&mut c.trunks, trunk.clone(), |t| t.name == trunk.name);
                Ok(())
            })
            .await?;
        Ok(item_change(&summary.trunks))
    }

    pub async fn delete_trunk(&self, name: &str, actor: &str) -> Result<bool, RoutingError> {
        let summary = self
            .change_routing(actor, |c| {
                c.trunks.retain(|t| t.name != name);
                Ok(())
            })
            .await?;
        Ok(!summary.trunks.deleted.is_empty())
    }

    /// The digest credential of an enabled agent, for checking a softphone's REGISTER; `None`
    /// for an unknown or disabled agent.
    pub async fn agent_ha1(&self, username: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT sip_ha1 FROM agents WHERE username = $1 AND enabled = 1")
            .bind(username)
            .fetch_optional(&self.db)
            .await
            .ctx("reading an agent's credential")
    }
}

fn replace_or_push<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|x| same(x)) {
        Some(slot) => *slot = item,
        None => items.push(item),
    }
}

fn item_change(c: &Changes) -> ItemChange {
    if !c.created.is_empty() {
        ItemChange::Created
    } else if !c.updated.is_empty() {
        ItemChange::Updated
    } else {
        ItemChange::Unchanged
    }
}

/// Database ids of the stored items, by name.
#[derive(Default)]
struct Ids {
    agents: BTreeMap<String, i64>,
    queues: BTreeMap<String, i64>,
    menus: BTreeMap<String, i64>,
    trunks: BTreeMap<String, i64>,
}

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.into(),
    }
}

fn to_u64(table: &'static str, what: &str, v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| corrupt(table, format!("{what} {v}")))
}

fn to_u32(table: &'static str, what: &str, v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(|_| corrupt(table, format!("{what} {v}")))
}

fn to_level(table: &'static str, v: i64) -> StoreResult<u8> {
    u8::try_from(v).map_err(|_| corrupt(table, format!("level {v}")))
}

/// Read the whole configuration and the ids of its items on one connection.
async fn load(conn: &mut AnyConnection) -> StoreResult<(RoutingConfig, Ids)> {
    const CTX: &str = "reading the routing configuration";
    let mut ids = Ids::default();
    let mut config = RoutingConfig::default();

    let mut agent_skills: BTreeMap<i64, BTreeMap<String, u8>> = BTreeMap::new();
    for row in sqlx::query("SELECT agent_id, skill, level FROM agent_skills")
        .fetch_all(&mut *conn)
        .await
        .ctx(CTX)?
    {
        let level = to_level("agent_skills", row.try_get("level").ctx(CTX)?)?;
        agent_skills
            .entry(row.try_get("agent_id").ctx(CTX)?)
            .or_default()
            .insert(row.try_get("skill").ctx(CTX)?, level);
    }
    for row in sqlx::query(
        "SELECT a.id, a.username, a.display_name, a.sip_ha1, u.username AS user_name, a.team, a.enabled \
         FROM agents a LEFT JOIN users u ON u.id = a.user_id",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx(CTX)?
    {
        let id: i64 = row.try_get("id").ctx(CTX)?;
        let username: String = row.try_get("username").ctx(CTX)?;
        ids.agents.insert(username.clone(), id);
        config.agents.push(Agent {
            username,
            display_name: row.try_get("display_name").ctx(CTX)?,
            sip_ha1: Some(row.try_get("sip_ha1").ctx(CTX)?),
            user: row.try_get("user_name").ctx(CTX)?,
            team: row.try_get("team").ctx(CTX)?,
            enabled: row.try_get::<i64, _>("enabled").ctx(CTX)? != 0,
            skills: agent_skills.remove(&id).unwrap_or_default(),
        });
    }

    let mut queue_skills: BTreeMap<i64, BTreeMap<String, u8>> = BTreeMap::new();
    for row in sqlx::query("SELECT queue_id, skill, min_level FROM queue_skills")
        .fetch_all(&mut *conn)
        .await
        .ctx(CTX)?
    {
        let level = to_level("queue_skills", row.try_get("min_level").ctx(CTX)?)?;
        queue_skills
            .entry(row.try_get("queue_id").ctx(CTX)?)
            .or_default()
            .insert(row.try_get("skill").ctx(CTX)?, level);
    }
    let mut members: BTreeMap<i64, Vec<Member>> = BTreeMap::new();
    for row in sqlx::query(
        "SELECT m.queue_id, a.username, m.tier FROM queue_members m \
         JOIN agents a ON a.id = m.agent_id",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx(CTX)?
    {
        members
            .entry(row.try_get("queue_id").ctx(CTX)?)
            .or_default()
            .push(Member {
                agent: row.try_get("username").ctx(CTX)?,
                tier: to_u32("queue_members", "tier", row.try_get("tier").ctx(CTX)?)?,
            });
    }
    for row in sqlx::query(
        "SELECT id, name, strategy, ring_timeout_ms, wrap_up_ms, max_wait_ms, overflow_queue, \
                tier_wait_ms, auto_break_after, service_level_ms, moh_prompt, closing_prompt \
         FROM queues",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx(CTX)?
    {
        const T: &str = "queues";
        let id: i64 = row.try_get("id").ctx(CTX)?;
        let name: String = row.try_get("name").ctx(CTX)?;
        let strategy: String = row.try_get("strategy").ctx(CTX)?;
        let ms = |col: &str| -> StoreResult<u64> { to_u64(T, col, row.try_get(col).ctx(CTX)?) };
        let opt_ms = |col: &str| -> StoreResult<Option<u64>> {
            row.try_get::<Option<i64>, _>(col)
                .ctx(CTX)?
                .map(|v| to_u64(T, col, v))
                .transpose()
        };
        ids.queues.insert(name.clone(), id);
        config.queues.push(Queue {
            strategy: strategy
                .parse::<Strategy>()
                .map_err(|_| corrupt(T, format!("strategy {strategy:?}")))?,
            ring_timeout_ms: ms("ring_timeout_ms")?,
            wrap_up_ms: ms("wrap_up_ms")?,
            max_wait_ms: opt_ms("max_wait_ms")?,
            overflow: row.try_get("overflow_queue").ctx(CTX)?,
            tier_wait_ms: ms("tier_wait_ms")?,
            auto_break_after: row
                .try_get::<Option<i64>, _>("auto_break_after")
                .ctx(CTX)?
                .map(|v| to_u32(T, "auto_break_after", v))
                .transpose()?,
            service_level_ms: ms("service_level_ms")?,
            moh_prompt: row.try_get("moh_prompt").ctx(CTX)?,
            closing_prompt: row.try_get("closing_prompt").ctx(CTX)?,
            required_skills: queue_skills.remove(&id).unwrap_or_default(),
            members: members.remove(&id).unwrap_or_default(),
            name,
        });
    }

    let mut entries: BTreeMap<i64, BTreeMap<super::model::Digit, MenuAction>> = BTreeMap::new();
    for row in sqlx::query("SELECT menu_id, digit, action, target FROM ivr_entries")
        .fetch_all(&mut *conn)
        .await
        .ctx(CTX)?
    {
        let digit: String = row.try_get("digit").ctx(CTX)?;
        let action: String = row.try_get("action").ctx(CTX)?;
        let target: Option<String> = row.try_get("target").ctx(CTX)?;
        let entry = MenuAction::from_parts(&action, target)
            .ok_or_else(|| corrupt("ivr_entries", format!("action {action:?}")))?;
        entries
            .entry(row.try_get("menu_id").ctx(CTX)?)
            .or_default()
            .insert(
                digit
                    .parse()
                    .map_err(|_| corrupt("ivr_entries", format!("digit {digit:?}")))?,
                entry,
            );
    }
    for row in sqlx::query(
        "SELECT id, name, prompt, invalid_prompt, timeout_ms, max_repeats FROM ivr_menus",
    )
    .fetch_all(&mut *conn)
    .await
    .ctx(CTX)?
    {
        let id: i64 = row.try_get("id").ctx(CTX)?;
        let name: String = row.try_get("name").ctx(CTX)?;
        ids.menus.insert(name.clone(), id);
        config.menus.push(Menu {
            prompt: row.try_get("prompt").ctx(CTX)?,
            invalid_prompt: row.try_get("invalid_prompt").ctx(CTX)?,
            timeout_ms: to_u64(
                "ivr_menus",
                "timeout_ms",
                row.try_get("timeout_ms").ctx(CTX)?,
            )?,
            max_repeats: to_u32(
                "ivr_menus",
                "max_repeats",
                row.try_get("max_repeats").ctx(CTX)?,
            )?,
            entries: entries.remove(&id).unwrap_or_default(),
            name,
        });
    }

    for row in sqlx::query("SELECT id, name, source, entry_menu, language, max_calls FROM trunks")
        .fetch_all(&mut *conn)
        .await
        .ctx(CTX)?
    {
        let id: i64 = row.try_get("id").ctx(CTX)?;
        let name: String = row.try_get("name").ctx(CTX)?;
        let source: String = row.try_get("source").ctx(CTX)?;
        let language: String = row.try_get("language").ctx(CTX)?;
        ids.trunks.insert(name.clone(), id);
        config.trunks.push(Trunk {
            source: source
                .parse::<Cidr>()
                .map_err(|_| corrupt("trunks", format!("source {source:?}")))?,
            entry_menu: row.try_get("entry_menu").ctx(CTX)?,
            language: language
                .parse()
                .map_err(|_| corrupt("trunks", format!("language {language:?}")))?,
            max_calls: row
                .try_get::<Option<i64>, _>("max_calls")
                .ctx(CTX)?
                .map(|v| to_u32("trunks", "max_calls", v))
                .transpose()?,
            name,
        });
    }
    Ok((config.normalized(), ids))
}

/// The fields in which two items differ, by their serialized names.
fn changed_fields<T: Serialize>(old: &T, new: &T) -> Vec<String> {
    match (serde_json::to_value(old), serde_json::to_value(new)) {
        (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => vec!["*".into()],
    }
}

/// How one kind of item is diffed: by name, created, updated or deleted.
struct Diff<'a, T> {
    created: Vec<&'a T>,
    updated: Vec<(&'a T, i64, Vec<String>)>,
    deleted: Vec<(String, i64)>,
}

fn diff<'a, T: Serialize + PartialEq>(
    current: &[T],
    wanted: &'a [T],
    ids: &BTreeMap<String, i64>,
    name: impl Fn(&T) -> &str,
) -> Diff<'a, T> {
    let mut d = Diff {
        created: Vec::new(),
        updated: Vec::new(),
        deleted: Vec::new(),
    };
    let wanted_names: BTreeSet<&str> = wanted.iter().map(&name).collect();
    for old in current {
        if !wanted_names.contains(name(old)) {
            if let Some(&id) = ids.get(name(old)) {
                d.deleted.push((name(old).to_string(), id));
            }
        }
    }
    for new in wanted {
        match current.iter().find(|o| name(o) == name(new)) {
            None => d.created.push(new),
            Some(old) if old == new => {}
            Some(old) => {
                if let Some(&id) = ids.get(name(new)) {
                    d.updated.push((new, id, changed_fields(old, new)));
                }
            }
        }
    }
    d
}

impl<T> Diff<'_, T> {
    fn record(&self, summary: &mut ApplySummary, kind: ItemKind, name: impl Fn(&T) -> &str) {
        let c = summary.kind_mut(kind);
        c.created = self.created.iter().map(|x| name(x).to_string()).collect();
        c.updated = self
            .updated
            .iter()
            .map(|(x, _, fields)| Updated {
                name: name(x).to_string(),
                fields: fields.clone(),
            })
            .collect();
        c.deleted = self.deleted.iter().map(|(n, _)| n.clone()).collect();
    }
}

/// Validate `wanted` and write what differs from `current`. Everything on `conn`, which is
/// inside a transaction the caller commits or rolls back.
async fn write_difference(
    conn: &mut AnyConnection,
    current: &RoutingConfig,
    ids: &Ids,
    wanted: RoutingConfig,
) -> Result<ApplySummary, RoutingError> {
    const CTX: &str = "writing the routing configuration";
    let mut wanted = wanted.normalized();

    // Credentials: kept when not given; a new agent must bring one.
    let mut p = Problems::default();
    for a in &mut wanted.agents {
        if a.sip_ha1.is_none() {
            a.sip_ha1 = current.agent(&a.username).and_then(|c| c.sip_ha1.clone());
            if a.sip_ha1.is_none() {
                p.push(
                    ItemKind::Agent,
                    &a.username,
                    "password",
                    "a new agent needs a password or sip_ha1",
                );
            }
        }
    }
    let users: BTreeSet<String> = sqlx::query_scalar("SELECT username FROM users")
        .fetch_all(&mut *conn)
        .await
        .ctx("reading user names")?
        .into_iter()
        .collect();
    let structural = validate(&wanted, &users);
    match (p.finish(), structural) {
        (Ok(()), Ok(())) => {}
        (Err(mut a), Err(b)) => {
            a.problems.extend(b.problems);
            return Err(a.into());
        }
        (Err(e), Ok(())) | (Ok(()), Err(e)) => return Err(e.into()),
    }

    let agents = diff(&current.agents, &wanted.agents, &ids.agents, |a| {
        &a.username
    });
    let queues = diff(&current.queues, &wanted.queues, &ids.queues, |q| &q.name);
    let menus = diff(&current.menus, &wanted.menus, &ids.menus, |m| &m.name);
    let trunks = diff(&current.trunks, &wanted.trunks, &ids.trunks, |t| &t.name);
    let mut summary = ApplySummary::default();
    agents.record(&mut summary, ItemKind::Agent, |a| &a.username);
    queues.record(&mut summary, ItemKind::Queue, |q| &q.name);
    menus.record(&mut summary, ItemKind::Menu, |m| &m.name);
    trunks.record(&mut summary, ItemKind::Trunk, |t| &t.name);

    // Deletions cascade to skills, members and entries.
    for (table, deleted) in [
        ("trunks", &trunks.deleted),
        ("ivr_menus", &menus.deleted),
        ("queues", &queues.deleted),
        ("agents", &agents.deleted),
    ] {
        for (_, id) in deleted {
            sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
                .bind(id)
                .execute(&mut *conn)
                .await
                .ctx("deleting routing items")?;
        }
    }

    let now = now_ms();
    for a in &agents.created {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agents (username, display_name, sip_ha1, user_id, enabled, created_ms, team) \
             VALUES ($1, $2, $3, (SELECT id FROM users WHERE username = $4), $5, $6, $7) RETURNING id",
        )
        .bind(&a.username)
        .bind(&a.display_name)
        .bind(&a.sip_ha1)
        .bind(&a.user)
        .bind(i64::from(a.enabled))
        .bind(now)
        .bind(&a.team)
        .fetch_one(&mut *conn)
        .await
        .ctx(CTX)?;
        write_agent_skills(conn, id, a).await?;
    }
    for (a, id, _) in &agents.updated {
        sqlx::query(
            "UPDATE agents SET display_name = $1, sip_ha1 = $2, \
                    user_id = (SELECT id FROM users WHERE username = $3), enabled = $4, team = $6 \
             WHERE id = $5",
        )
        .bind(&a.display_name)
        .bind(&a.sip_ha1)
        .bind(&a.user)
        .bind(i64::from(a.enabled))
        .bind(id)
        .bind(&a.team)
        .execute(&mut *conn)
        .await
        .ctx(CTX)?;
        sqlx::query("DELETE FROM agent_skills WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .ctx(CTX)?;
        write_agent_skills(conn, *id, a).await?;
    }

    for q in &queues.created {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO queues (name, strategy, ring_timeout_ms, wrap_up_ms, max_wait_ms, \
                                 overflow_queue, tier_wait_ms, auto_break_after, service_level_ms, \
                                 moh_prompt, closing_prompt) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&q.name)
        .bind(q.strategy.as_str())
        .bind(ms(q.ring_timeout_ms))
        .bind(ms(q.wrap_up_ms))
        .bind(q.max_wait_ms.map(ms))
        .bind(&q.overflow)
        .bind(ms(q.tier_wait_ms))
        .bind(q.auto_break_after.map(i64::from))
        .bind(ms(q.service_level_ms))
        .bind(&q.moh_prompt)
        .bind(&q.closing_prompt)
        .fetch_one(&mut *conn)
        .await
        .ctx(CTX)?;
        write_queue_children(conn, id, q).await?;
    }
    for (q, id, _) in &queues.updated {
        sqlx::query(
            "UPDATE queues SET strategy = $1, ring_timeout_ms = $2, wrap_up_ms = $3, \
                    max_wait_ms = $4, overflow_queue = $5, tier_wait_ms = $6, \
                    auto_break_after = $7, service_level_ms = $8, moh_prompt = $9, \
                    closing_prompt = $10 \
             WHERE id = $11",
        )
        .bind(q.strategy.as_str())
        .bind(ms(q.ring_timeout_ms))
        .bind(ms(q.wrap_up_ms))
        .bind(q.max_wait_ms.map(ms))
        .bind(&q.overflow)
        .bind(ms(q.tier_wait_ms))
        .bind(q.auto_break_after.map(i64::from))
        .bind(ms(q.service_level_ms))
        .bind(&q.moh_prompt)
        .bind(&q.closing_prompt)
        .bind(id)
        .execute(&mut *conn)
        .await
        .ctx(CTX)?;
        for table in ["queue_skills", "queue_members"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE queue_id = $1"))
                .bind(id)
                .execute(&mut *conn)
                .await
                .ctx(CTX)?;
        }
        write_queue_children(conn, *id, q).await?;
    }

    for m in &menus.created {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ivr_menus (name, prompt, invalid_prompt, timeout_ms, max_repeats) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&m.name)
        .bind(&m.prompt)
        .bind(&m.invalid_prompt)
        .bind(ms(m.timeout_ms))
        .bind(i64::from(m.max_repeats))
        .fetch_one(&mut *conn)
        .await
        .ctx(CTX)?;
        write_menu_entries(conn, id, m).await?;
    }
    for (m, id, _) in &menus.updated {
        sqlx::query(
            "UPDATE ivr_menus SET prompt = $1, invalid_prompt = $2, timeout_ms = $3, \
                    max_repeats = $4 WHERE id = $5",
        )
        .bind(&m.prompt)
        .bind(&m.invalid_prompt)
        .bind(ms(m.timeout_ms))
        .bind(i64::from(m.max_repeats))
        .bind(id)
        .execute(&mut *conn)
        .await
        .ctx(CTX)?;
        sqlx::query("DELETE FROM ivr_entries WHERE menu_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .ctx(CTX)?;
        write_menu_entries(conn, *id, m).await?;
    }

    for t in &trunks.created {
        sqlx::query(
            "INSERT INTO trunks (name, source, entry_menu, language, max_calls) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.name)
        .bind(t.source.to_string())
        .bind(&t.entry_menu)
        .bind(t.language.as_str())
        .bind(t.max_calls.map(i64::from))
        .execute(&mut *conn)
        .await
        .ctx(CTX)?;
    }
    for (t, id, _) in &trunks.updated {
        sqlx::query(
            "UPDATE trunks SET source = $1, entry_menu = $2, language = $3, max_calls = $4 \
             WHERE id = $5",
        )
        .bind(t.source.to_string())
        .bind(&t.entry_menu)
        .bind(t.language.as_str())
        .bind(t.max_calls.map(i64::from))
        .bind(id)
        .execute(&mut *conn)
        .await
        .ctx(CTX)?;
    }
    Ok(summary)
}

/// Validated durations fit (see `validate`); saturate rather than wrap if one did not.
fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

async fn write_agent_skills(conn: &mut AnyConnection, id: i64, a: &Agent) -> StoreResult<()> {
    for (skill, level) in &a.skills {
        sqlx::query("INSERT INTO agent_skills (agent_id, skill, level) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(skill)
            .bind(i64::from(*level))
            .execute(&mut *conn)
            .await
            .ctx("writing agent skills")?;
    }
    Ok(())
}

async fn write_queue_children(conn: &mut AnyConnection, id: i64, q: &Queue) -> StoreResult<()> {
    for (skill, level) in &q.required_skills {
        sqlx::query("INSERT INTO queue_skills (queue_id, skill, min_level) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(skill)
            .bind(i64::from(*level))
            .execute(&mut *conn)
            .await
            .ctx("writing queue skills")?;
    }
    for m in &q.members {
        sqlx::query(
            "INSERT INTO queue_members (queue_id, agent_id, tier) \
             SELECT $1, id, $2 FROM agents WHERE username = $3",
        )
        .bind(id)
        .bind(i64::from(m.tier))
        .bind(&m.agent)
        .execute(&mut *conn)
        .await
        .ctx("writing queue members")?;
    }
    Ok(())
}

async fn write_menu_entries(conn: &mut AnyConnection, id: i64, m: &Menu) -> StoreResult<()> {
    for (digit, action) in &m.entries {
        sqlx::query(
            "INSERT INTO ivr_entries (menu_id, digit, action, target) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(digit.to_string())
        .bind(action.kind())
        .bind(action.target())
        .execute(&mut *conn)
        .await
        .ctx("writing menu entries")?;
    }
    Ok(())
}
