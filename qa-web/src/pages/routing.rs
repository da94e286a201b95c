//! `/admin/routing`: administrators edit agents, queues, IVR menus and trunks, export the
//! whole configuration as TOML and import one with a preview of what it would change.
//!
//! Forms post back to the page that showed them. A form the store refuses comes back with
//! status 422, every problem listed and the input kept (except passwords); nothing is written.
//! Every change is made by the store's routing functions with the user as actor (audited).

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use earshot_store::routing::{
    format_duration, sip_ha1, Agent, ApplyMode, ApplySummary, Cidr, ItemKind, Language, Menu,
    Problem, Queue, RoutingConfig, RoutingFile, Strategy, Trunk,
};
use earshot_store::time::{format_local, now_ms};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::Texts;
use crate::routing::text::{
    format_entries, format_members, format_optional_duration, format_skills, optional,
    parse_duration_field, parse_entries, parse_members, parse_optional_duration,
    parse_optional_u32, parse_skills,
};
use crate::routing::{problem, refused, upsert, without_credentials, RoutingItem};
use crate::App;

/// Audit action of a configuration export (it shows the whole routing setup).
const EXPORT_ACTION: &str = "routing.export";

/// Names the forms offer in their pick lists.
#[derive(Debug, Default)]
pub struct Choices {
    pub agents: Vec<String>,
    pub queues: Vec<String>,
    pub menus: Vec<String>,
    pub users: Vec<String>,
}

impl Choices {
    fn of(config: &RoutingConfig, users: Vec<String>) -> Choices {
        Choices {
            agents: config.agents.iter().map(|a| a.username.clone()).collect(),
            queues: config.queues.iter().map(|q| q.name.clone()).collect(),
            menus: config.menus.iter().map(|m| m.name.clone()).collect(),
            users,
        }
    }
}

/// Everything a form page shows besides the form itself.
pub struct FormPage<F> {
    pub page: PageCtx,
    pub f: F,
    /// Editing a stored item: the name is fixed and the item can be deleted.
    pub existing: bool,
    /// Where the form posts: the kind's collection (create) or the item (update).
    pub action: String,
    pub problems: Vec<Problem>,
    pub choices: Choices,
}

/// A kind of routing item as the admin pages edit it: a form of plain strings that keeps
/// exactly what the user typed, and the conversions between it and the item.
pub trait AdminItem: RoutingItem {
    type Form: DeserializeOwned + Send + Sync + 'static;

    /// The form for a new item, with the usual defaults filled in.
    fn blank() -> Self::Form;
    fn to_form(&self) -> Self::Form;
    fn form_name(form: &Self::Form) -> &str;
    fn set_form_name(form: &mut Self::Form, name: &str);
    /// The item the form describes, or what is wrong with the form (checked here; references
    /// between items are the store's to check).
    fn from_form(form: &Self::Form, realm: &str, t: &Texts) -> Result<Self, Vec<Problem>>;
    /// Forget what must not be sent back to the browser.
    fn scrub(_form: &mut Self::Form) {}
    fn render(view: FormPage<Self::Form>) -> AppResult<Response>;
}

/// The page of one item: `/admin/routing/queues/cards`.
fn item_href<T: RoutingItem>(name: &str) -> String {
    format!("/admin/routing/{}/{}", T::SEGMENT, path_segment(name))
}

/// Percent-encode a path segment (stored names are plain ASCII, but a typed one may not be).
fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Collect field problems of a form into `problems`.
struct FieldCheck<'a> {
    kind: ItemKind,
    item: &'a str,
    problems: Vec<Problem>,
}

impl<'a> FieldCheck<'a> {
    fn new(kind: ItemKind, item: &'a str) -> Self {
        FieldCheck {
            kind,
            item,
            problems: Vec::new(),
        }
    }

    /// The value, or `default` after noting the problem under `field`.
    fn take<T>(&mut self, field: &str, result: Result<T, String>, default: T) -> T {
        result.unwrap_or_else(|message| {
            self.problems
                .push(problem(self.kind, self.item, field, message));
            default
        })
    }

    fn finish<T>(self, item: T) -> Result<T, Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(item)
        } else {
            Err(self.problems)
        }
    }
}

// ---- agents ----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AgentForm {
    pub username: String,
    pub name: String,
    pub password: String,
    pub user: String,
    pub team: String,
    /// Present (`on`) when the box is ticked.
    pub enabled: Option<String>,
    pub skills: String,
}

#[derive(Template)]
#[template(path = "routing_agent.html")]
struct AgentTemplate {
    page: PageCtx,
    f: AgentForm,
    existing: bool,
    action: String,
    problems: Vec<Problem>,
    choices: Choices,
}

impl AdminItem for Agent {
    type Form = AgentForm;

    fn blank() -> AgentForm {
        AgentForm {
            enabled: Some("on".into()),
            ..AgentForm::default()
        }
    }

    fn to_form(&self) -> AgentForm {
        AgentForm {
            username: self.username.clone(),
            name: self.display_name.clone(),
            password: String::new(),
            user: self.user.clone().unwrap_or_default(),
            team: self.team.clone().unwrap_or_default(),
            enabled: self.enabled.then(|| "on".into()),
            skills: format_skills(&self.skills),
        }
    }

    fn form_name(form: &AgentForm) -> &str {
        &form.username
    }

    fn set_form_name(form: &mut AgentForm, name: &str) {
        form.username = name.to_string();
    }

    fn from_form(f: &AgentForm, realm: &str, t: &Texts) -> Result<Agent, Vec<Problem>> {
        let username = f.username.trim();
        let mut check = FieldCheck::new(ItemKind::Agent, username);
        let skills = check.take("skills", parse_skills(t, &f.skills), Default::default());
        check.finish(Agent {
            username: username.to_string(),
            display_name: f.name.trim().to_string(),
            // Blank keeps the stored credential; the store refuses a new agent without one.
            sip_ha1: (!f.password.is_empty()).then(|| sip_ha1(username, realm, &f.password)),
            user: optional(&f.user),
            team: optional(&f.team),
            enabled: f.enabled.is_some(),
            skills,
        })
    }

    fn scrub(form: &mut AgentForm) {
        form.password.clear();
    }

    fn render(v: FormPage<AgentForm>) -> AppResult<Response> {
        html(&AgentTemplate {
            page: v.page,
            f: v.f,
            existing: v.existing,
            action: v.action,
            problems: v.problems,
            choices: v.choices,
        })
    }
}

// ---- queues ----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct QueueForm {
    pub name: String,
    pub strategy: String,
    pub ring_timeout: String,
    pub wrap_up: String,
    pub max_wait: String,
    pub overflow: String,
    pub tier_wait: String,
    pub auto_break_after: String,
    pub service_level: String,
    pub moh_prompt: String,
    pub closing_prompt: String,
    pub required_skills: String,
    pub members: String,
}

#[derive(Template)]
#[template(path = "routing_queue.html")]
struct QueueTemplate {
    page: PageCtx,
    f: QueueForm,
    existing: bool,
    action: String,
    problems: Vec<Problem>,
    choices: Choices,
    /// (value, label) of every strategy.
    strategies: Vec<(&'static str, &'static str)>,
}

impl AdminItem for Queue {
    type Form = QueueForm;

    /// The defaults of a queue in a routing file.
    fn blank() -> QueueForm {
        QueueForm {
            strategy: Strategy::LongestIdle.as_str().into(),
            ring_timeout: "20s".into(),
            wrap_up: "0s".into(),
            tier_wait: "30s".into(),
            service_level: "20s".into(),
            ..QueueForm::default()
        }
    }

    fn to_form(&self) -> QueueForm {
        QueueForm {
            name: self.name.clone(),
            strategy: self.strategy.as_str().into(),
            ring_timeout: format_duration(self.ring_timeout_ms),
            wrap_up: format_duration(self.wrap_up_ms),
            max_wait: format_optional_duration(self.max_wait_ms),
            overflow: self.overflow.clone().unwrap_or_default(),
            tier_wait: format_duration(self.tier_wait_ms),
            auto_break_after: self
                .auto_break_after
                .map(|n| n.to_string())
                .unwrap_or_default(),
            service_level: format_duration(self.service_level_ms),
            moh_prompt: self.moh_prompt.clone().unwrap_or_default(),
            closing_prompt: self.closing_prompt.clone().unwrap_or_default(),
            required_skills: format_skills(&self.required_skills),
            members: format_members(&self.members),
        }
    }

    fn form_name(form: &QueueForm) -> &str {
        &form.name
    }

    fn set_form_name(form: &mut QueueForm, name: &str) {
        form.name = name.to_string();
    }

    fn from_form(f: &QueueForm, _realm: &str, t: &Texts) -> Result<Queue, Vec<Problem>> {
        let name = f.name.trim();
        let mut c = FieldCheck::new(ItemKind::Queue, name);
        let strategy = c.take(
            "strategy",
            f.strategy
                .parse::<Strategy>()
                .map_err(|_| format!("{}「{}」", t.form_bad_choice, f.strategy)),
            Strategy::RingAll,
        );
        let ring_timeout_ms = c.take("ring_timeout", parse_duration_field(t, &f.ring_timeout), 0);
        let wrap_up_ms = c.take("wrap_up", parse_duration_field(t, &f.wrap_up), 0);
        let max_wait_ms = c.take("max_wait", parse_optional_duration(t, &f.max_wait), None);
        let tier_wait_ms = c.take("tier_wait", parse_duration_field(t, &f.tier_wait), 0);
        let service_level_ms = c.take(
            "service_level",
            parse_duration_field(t, &f.service_level),
            0,
        );
        let auto_break_after = c.take(
            "auto_break_after",
            parse_optional_u32(t, &f.auto_break_after),
            None,
        );
        let required_skills = c.take(
            "required_skills",
            parse_skills(t, &f.required_skills),
            Default::default(),
        );
        let members = c.take("members", parse_members(t, &f.members), Vec::new());
        c.finish(Queue {
            name: name.to_string(),
            strategy,
            ring_timeout_ms,
            wrap_up_ms,
            max_wait_ms,
            overflow: optional(&f.overflow),
            tier_wait_ms,
            auto_break_after,
            service_level_ms,
            moh_prompt: optional(&f.moh_prompt),
            closing_prompt: optional(&f.closing_prompt),
            required_skills,
            members,
        })
    }

    fn render(v: FormPage<QueueForm>) -> AppResult<Response> {
        let t = v.page.t;
        html(&QueueTemplate {
            strategies: Strategy::ALL
                .iter()
                .map(|s| (s.as_str(), t.strategy(*s)))
                .collect(),
            page: v.page,
            f: v.f,
            existing: v.existing,
            action: v.action,
            problems: v.problems,
            choices: v.choices,
        })
    }
}

// ---- menus ----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MenuForm {
    pub name: String,
    pub prompt: String,
    pub invalid_prompt: String,
    pub timeout: String,
    pub max_repeats: String,
    pub entries: String,
}

#[derive(Template)]
#[template(path = "routing_menu.html")]
struct MenuTemplate {
    page: PageCtx,
    f: MenuForm,
    existing: bool,
    action: String,
    problems: Vec<Problem>,
    choices: Choices,
}

impl AdminItem for Menu {
    type Form = MenuForm;

    fn blank() -> MenuForm {
        MenuForm {
            timeout: "5s".into(),
            max_repeats: "2".into(),
            ..MenuForm::default()
        }
    }

    fn to_form(&self) -> MenuForm {
        MenuForm {
            name: self.name.clone(),
            prompt: self.prompt.clone(),
            invalid_prompt: self.invalid_prompt.clone().unwrap_or_default(),
            timeout: format_duration(self.timeout_ms),
            max_repeats: self.max_repeats.to_string(),
            entries: format_entries(&self.entries),
        }
    }

    fn form_name(form: &MenuForm) -> &str {
        &form.name
    }

    fn set_form_name(form: &mut MenuForm, name: &str) {
        form.name = name.to_string();
    }

    fn from_form(f: &MenuForm, _realm: &str, t: &Texts) -> Result<Menu, Vec<Problem>> {
        let name = f.name.trim();
        let mut c = FieldCheck::new(ItemKind::Menu, name);
        let timeout_ms = c.take("timeout", parse_duration_field(t, &f.timeout), 0);
        let max_repeats = c.take(
            "max_repeats",
            f.max_repeats
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("{}「{}」", t.form_bad_number, f.max_repeats.trim())),
            0,
        );
        let entries = match parse_entries(t, &f.entries) {
            Ok(e) => e,
            Err(messages) => {
                for m in messages {
                    c.problems.push(problem(ItemKind::Menu, name, "entries", m));
                }
                Default::default()
            }
        };
        c.finish(Menu {
            name: name.to_string(),
            prompt: f.prompt.trim().to_string(),
            invalid_prompt: optional(&f.invalid_prompt),
            timeout_ms,
            max_repeats,
            entries,
        })
    }

    fn render(v: FormPage<MenuForm>) -> AppResult<Response> {
        html(&MenuTemplate {
            page: v.page,
            f: v.f,
            existing: v.existing,
            action: v.action,
            problems: v.problems,
            choices: v.choices,
        })
    }
}

// ---- trunks ----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TrunkForm {
    pub name: String,
    pub source: String,
    pub entry_menu: String,
    pub language: String,
    pub max_calls: String,
}

#[derive(Template)]
#[template(path = "routing_trunk.html")]
struct TrunkTemplate {
    page: PageCtx,
    f: TrunkForm,
    existing: bool,
    action: String,
    problems: Vec<Problem>,
    choices: Choices,
    /// (value, label) of every prompt language.
    languages: Vec<(&'static str, &'static str)>,
}

impl AdminItem for Trunk {
    type Form = TrunkForm;

    fn blank() -> TrunkForm {
        TrunkForm {
            language: Language::ZhTw.as_str().into(),
            ..TrunkForm::default()
        }
    }

    fn to_form(&self) -> TrunkForm {
        TrunkForm {
            name: self.name.clone(),
            source: self.source.to_string(),
            entry_menu: self.entry_menu.clone(),
            language: self.language.as_str().into(),
            max_calls: self.max_calls.map(|n| n.to_string()).unwrap_or_default(),
        }
    }

    fn form_name(form: &TrunkForm) -> &str {
        &form.name
    }

    fn set_form_name(form: &mut TrunkForm, name: &str) {
        form.name = name.to_string();
    }

    fn from_form(f: &TrunkForm, _realm: &str, t: &Texts) -> Result<Trunk, Vec<Problem>> {
        let name = f.name.trim();
        let mut c = FieldCheck::new(ItemKind::Trunk, name);
        let source = c.take(
            "source",
            f.source
                .trim()
                .parse::<Cidr>()
                .map(Some)
                .map_err(|_| format!("{}「{}」", t.form_bad_cidr, f.source.trim())),
            None,
        );
        let language = c.take(
            "language",
            f.language
                .parse::<Language>()
                .map(Some)
                .map_err(|_| format!("{}「{}」", t.form_bad_choice, f.language)),
            None,
        );
        let max_calls = c.take("max_calls", parse_optional_u32(t, &f.max_calls), None);
        match (source, language) {
            (Some(source), Some(language)) => c.finish(Trunk {
                name: name.to_string(),
                source,
                entry_menu: f.entry_menu.trim().to_string(),
                language,
                max_calls,
            }),
            _ => Err(c.problems),
        }
    }

    fn render(v: FormPage<TrunkForm>) -> AppResult<Response> {
        html(&TrunkTemplate {
            languages: vec![
                (Language::ZhTw.as_str(), "繁體中文"),
                (Language::En.as_str(), "English"),
            ],
            page: v.page,
            f: v.f,
            existing: v.existing,
            action: v.action,
            problems: v.problems,
            choices: v.choices,
        })
    }
}

// ---- handlers ----

async fn choices(app: &App, config: &RoutingConfig) -> AppResult<Choices> {
    let users = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect();
    Ok(Choices::of(config, users))
}

/// Render a form page with `status`.
async fn form_page<T: AdminItem>(
    app: &App,
    ctx: &Ctx,
    config: &RoutingConfig,
    mut form: T::Form,
    existing: Option<&str>,
    problems: Vec<Problem>,
    status: StatusCode,
) -> AppResult<Response> {
    T::scrub(&mut form);
    let mut response = T::render(FormPage {
        page: PageCtx::new(ctx, "routing"),
        f: form,
        existing: existing.is_some(),
        action: match existing {
            Some(name) => item_href::<T>(name),
            None => format!("/admin/routing/{}", T::SEGMENT),
        },
        problems,
        choices: choices(app, config).await?,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /admin/routing/{kind}`: the form for a new item.
pub async fn new_form<T: AdminItem>(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let config = app.store.routing_config().await?;
    form_page::<T>(
        &app,
        &ctx,
        &config,
        T::blank(),
        None,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `GET /admin/routing/{kind}/{name}`: the form of a stored item.
pub async fn edit_form<T: AdminItem>(
    State(app): State<App>,
    ctx: Ctx,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let config = app.store.routing_config().await?;
    let item = T::find(&config, &name).ok_or(AppError::NotFound)?;
    let form = item.to_form();
    form_page::<T>(
        &app,
        &ctx,
        &config,
        form,
        Some(&name),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/routing/{kind}`: create an item (a name already in use is refused, so that a
/// create never silently replaces).
pub async fn create<T: AdminItem>(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(form): Form<T::Form>,
) -> AppResult<Response> {
    save::<T>(&app, &ctx, &principal, form, None).await
}

/// `POST /admin/routing/{kind}/{name}`: replace a stored item.
pub async fn update<T: AdminItem>(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(name): Path<String>,
    Form(mut form): Form<T::Form>,
) -> AppResult<Response> {
    T::set_form_name(&mut form, &name);
    save::<T>(&app, &ctx, &principal, form, Some(&name)).await
}

async fn save<T: AdminItem>(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    form: T::Form,
    existing: Option<&str>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let config = app.store.routing_config().await?;
    let name = T::form_name(&form).trim().to_string();
    let mut problems = Vec::new();
    if existing.is_none() && T::find(&config, &name).is_some() {
        let field = if T::KIND == ItemKind::Agent {
            "username"
        } else {
            "name"
        };
        problems.push(problem(
            T::KIND,
            &name,
            field,
            format!("{}「{name}」", t.form_name_taken),
        ));
    }
    let item = T::from_form(&form, &app.config.sip.realm, t);
    match item {
        Ok(item) if problems.is_empty() => {
            match upsert(&app.store, &item.into_any(), &principal.user.username).await {
                Ok(_) => {
                    return Ok(done_redirect("saved", T::KIND, &name));
                }
                Err(e) => problems = refused(e)?.problems,
            }
        }
        Ok(_) => {}
        Err(p) => problems.extend(p),
    }
    form_page::<T>(
        app,
        ctx,
        &config,
        form,
        existing,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Back to the overview, which says what was done.
fn done_redirect(what: &str, kind: ItemKind, name: &str) -> Response {
    let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    Redirect::to(&format!("/admin/routing?{what}={kind}&name={name}")).into_response()
}

/// `POST /admin/routing/{kind}/{name}/delete`.
pub async fn delete<T: AdminItem>(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(name): Path<String>,
) -> AppResult<Response> {
    match crate::routing::delete(&app.store, T::KIND, &name, &principal.user.username).await {
        Ok(true) => Ok(done_redirect("deleted", T::KIND, &name)),
        Ok(false) => Err(AppError::NotFound),
        Err(e) => {
            let problems = refused(e)?.problems;
            let config = app.store.routing_config().await?;
            let item = T::find(&config, &name).ok_or(AppError::NotFound)?;
            let form = item.to_form();
            form_page::<T>(
                &app,
                &ctx,
                &config,
                form,
                Some(&name),
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- overview ----

struct AgentRow {
    href: String,
    username: String,
    name: String,
    skills: String,
    queues: String,
    enabled: bool,
}

struct QueueRow {
    href: String,
    name: String,
    strategy: &'static str,
    members: String,
    service_level: String,
    overflow: String,
}

struct MenuRow {
    href: String,
    name: String,
    prompt: String,
    entries: String,
}

struct TrunkRow {
    href: String,
    name: String,
    source: String,
    entry_menu: String,
    language: &'static str,
    max_calls: String,
}

#[derive(Template)]
#[template(path = "routing.html")]
struct OverviewTemplate {
    page: PageCtx,
    notice: Option<String>,
    agents: Vec<AgentRow>,
    queues: Vec<QueueRow>,
    menus: Vec<MenuRow>,
    trunks: Vec<TrunkRow>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewParams {
    saved: Option<String>,
    deleted: Option<String>,
    name: Option<String>,
}

fn kind_from_str(s: &str) -> Option<ItemKind> {
    [
        ItemKind::Agent,
        ItemKind::Queue,
        ItemKind::Menu,
        ItemKind::Trunk,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

/// `GET /admin/routing`.
pub async fn overview(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<OverviewParams>,
) -> AppResult<Response> {
    let page = PageCtx::new(&ctx, "routing");
    let t = page.t;
    let config = app.store.routing_config().await?;
    let notice = match (&params.saved, &params.deleted) {
        (Some(kind), _) => Some((t.routing_saved, kind)),
        (None, Some(kind)) => Some((t.routing_deleted, kind)),
        (None, None) => None,
    }
    .and_then(|(done, kind)| {
        let kind = kind_from_str(kind)?;
        Some(format!(
            "{done}：{} {}",
            t.kind(kind),
            params.name.as_deref().unwrap_or_default()
        ))
    });
    let dash = || "—".to_string();
    let agents = config
        .agents
        .iter()
        .map(|a| AgentRow {
            href: item_href::<Agent>(&a.username),
            username: a.username.clone(),
            name: a.display_name.clone(),
            skills: format_skills(&a.skills),
            queues: config
                .queues
                .iter()
                .filter(|q| q.members.iter().any(|m| m.agent == a.username))
                .map(|q| q.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            enabled: a.enabled,
        })
        .collect();
    let queues = config
        .queues
        .iter()
        .map(|q| QueueRow {
            href: item_href::<Queue>(&q.name),
            name: q.name.clone(),
            strategy: t.strategy(q.strategy),
            members: format_members(&q.members),
            service_level: format_duration(q.service_level_ms),
            overflow: q.overflow.clone().unwrap_or_else(dash),
        })
        .collect();
    let menus = config
        .menus
        .iter()
        .map(|m| MenuRow {
            href: item_href::<Menu>(&m.name),
            name: m.name.clone(),
            prompt: m.prompt.clone(),
            entries: format_entries(&m.entries).replace('\n', "  "),
        })
        .collect();
    let trunks = config
        .trunks
        .iter()
        .map(|tr| TrunkRow {
            href: item_href::<Trunk>(&tr.name),
            name: tr.name.clone(),
            source: tr.source.to_string(),
            entry_menu: tr.entry_menu.clone(),
            language: match tr.language {
                Language::ZhTw => "繁體中文",
                Language::En => "English",
            },
            max_calls: tr.max_calls.map(|n| n.to_string()).unwrap_or_else(dash),
        })
        .collect();
    html(&OverviewTemplate {
        page,
        notice,
        agents,
        queues,
        menus,
        trunks,
    })
}

// ---- export and import ----

/// `GET /admin/routing/export`: the whole configuration as a TOML file, without credentials
/// (applying it back keeps every agent's stored password).
pub async fn export(State(app): State<App>, principal: Principal) -> AppResult<Response> {
    let config = without_credentials(app.store.routing_config().await?);
    let now = now_ms();
    let body = format!(
        "# Earshot routing configuration, exported {} by {}.\n\
         # Agents' passwords are not exported: applying this file keeps the stored ones.\n\
         # Apply with `earshot apply FILE.toml` or on the web app's import page.\n\n{}",
        format_local(now, app.config.utc_offset_minutes),
        principal.user.username,
        RoutingFile::from_config(&config).to_toml()
    );
    app.store
        .audit(
            &principal.user.username,
            EXPORT_ACTION,
            "routing",
            serde_json::json!({}),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"earshot-routing.toml\"",
            ),
        ],
        body,
    )
        .into_response())
}

struct SummaryLine {
    change: &'static str,
    class: &'static str,
    kind: &'static str,
    name: String,
    fields: String,
}

struct SummaryView {
    lines: Vec<SummaryLine>,
    created: usize,
    updated: usize,
    deleted: usize,
}

impl SummaryView {
    fn new(t: &Texts, s: &ApplySummary) -> SummaryView {
        let mut lines = Vec::new();
        for (kind, c) in s.kinds() {
            let kind_label = t.kind(kind);
            let line = |change, class, name: &str, fields: String| SummaryLine {
                change,
                class,
                kind: kind_label,
                name: name.to_string(),
                fields,
            };
            lines.extend(
                c.created
                    .iter()
                    .map(|n| line(t.change_created, "ok", n, String::new())),
            );
            lines.extend(
                c.updated
                    .iter()
                    .map(|u| line(t.change_updated, "busy", &u.name, u.fields.join(", "))),
            );
            lines.extend(
                c.deleted
                    .iter()
                    .map(|n| line(t.change_deleted, "bad", n, String::new())),
            );
        }
        let (created, updated, deleted) = s.totals();
        SummaryView {
            lines,
            created,
            updated,
            deleted,
        }
    }
}

#[derive(Template)]
#[template(path = "routing_import.html")]
struct ImportTemplate {
    page: PageCtx,
    text: String,
    syntax_error: Option<String>,
    problems: Vec<Problem>,
    summary: Option<SummaryView>,
    applied: bool,
    /// A preview succeeded: offer to apply the same text.
    can_apply: bool,
}

impl ImportTemplate {
    fn new(ctx: &Ctx, text: String) -> Self {
        ImportTemplate {
            page: PageCtx::new(ctx, "routing"),
            text,
            syntax_error: None,
            problems: Vec::new(),
            summary: None,
            applied: false,
            can_apply: false,
        }
    }

    fn respond(self, status: StatusCode) -> AppResult<Response> {
        let mut response = html(&self)?;
        *response.status_mut() = status;
        Ok(response)
    }
}

/// `GET /admin/routing/import`.
pub async fn import_page(ctx: Ctx) -> AppResult<Response> {
    ImportTemplate::new(&ctx, String::new()).respond(StatusCode::OK)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportForm {
    toml: String,
    /// `preview` (the default) or `apply`.
    step: String,
}

/// `POST /admin/routing/import`: preview what the file would change, or apply it. Either way
/// the file is read and validated whole; a bad file is shown with its problems (422).
pub async fn import(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(form): Form<ImportForm>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let apply = form.step == "apply";
    let mut view = ImportTemplate::new(&ctx, form.toml);
    let file = match RoutingFile::parse(&view.text) {
        Ok(f) => f,
        Err(e) => {
            view.syntax_error = Some(e.to_string());
            return view.respond(StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let config = match file.into_config(&app.config.sip.realm) {
        Ok(c) => c,
        Err(invalid) => {
            view.problems = invalid.problems;
            return view.respond(StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let result = if apply {
        app.store
            .apply_routing(&config, ApplyMode::Replace, &principal.user.username)
            .await
    } else {
        app.store.plan_routing(&config, ApplyMode::Replace).await
    };
    match result {
        Ok(summary) => {
            view.summary = Some(SummaryView::new(t, &summary));
            view.applied = apply;
            view.can_apply = !apply && !summary.is_empty();
            view.respond(StatusCode::OK)
        }
        Err(e) => {
            view.problems = refused(e)?.problems;
            view.respond(StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    #[test]
    fn forms_show_items_in_the_syntax_they_accept() {
        let queue = Queue::from_form(
            &QueueForm {
                name: "cards".into(),
                members: "1001:1, 1002:2".into(),
                required_skills: "cards=5".into(),
                max_wait: "5m".into(),
                overflow: "general".into(),
                auto_break_after: "3".into(),
                ..Queue::blank()
            },
            "earshot",
            &EN,
        )
        .unwrap();
        assert_eq!(queue.ring_timeout_ms, 20_000);
        assert_eq!(queue.max_wait_ms, Some(300_000));
        assert_eq!(queue.overflow.as_deref(), Some("general"));
        assert_eq!(queue.strategy, Strategy::LongestIdle);
        let again = Queue::from_form(&queue.to_form(), "earshot", &EN).unwrap();
        assert_eq!(again, queue);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let err = Queue::from_form(
            &QueueForm {
                name: "cards".into(),
                ring_timeout: "20".into(),
                members: "1001:x".into(),
                strategy: "random".into(),
                ..Queue::blank()
            },
            "earshot",
            &EN,
        )
        .unwrap_err();
        let fields: Vec<_> = err.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["strategy", "ring_timeout", "members"]);

        let err = Trunk::from_form(
            &TrunkForm {
                name: "pstn".into(),
                source: "10.0.0.0/33".into(),
                entry_menu: "main".into(),
                ..Trunk::blank()
            },
            "earshot",
            &EN,
        )
        .unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].message.contains("10.0.0.0/33"), "{err:?}");
    }

    #[test]
    fn agent_passwords_are_hashed_and_never_shown_again() {
        let form = AgentForm {
            username: "1001".into(),
            name: "王小明".into(),
            password: "secret".into(),
            enabled: Some("on".into()),
            skills: "zh=8".into(),
            ..AgentForm::default()
        };
        let agent = Agent::from_form(&form, "earshot", &EN).unwrap();
        assert_eq!(agent.sip_ha1, Some(sip_ha1("1001", "earshot", "secret")));
        assert!(agent.to_form().password.is_empty());
        let mut kept = form.clone();
        kept.password.clear();
        assert_eq!(
            Agent::from_form(&kept, "earshot", &EN).unwrap().sip_ha1,
            None
        );
        let mut scrubbed = form;
        Agent::scrub(&mut scrubbed);
        assert!(scrubbed.password.is_empty());
    }

    #[test]
    fn odd_names_are_encoded_in_links() {
        assert_eq!(item_href::<Queue>("cards"), "/admin/routing/queues/cards");
        assert_eq!(
            item_href::<Queue>("a b/c"),
            "/admin/routing/queues/a%20b%2Fc"
        );
    }
}
