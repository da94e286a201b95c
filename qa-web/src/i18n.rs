//! Every text the pages show, in Traditional Chinese (Taiwan) and English.
//!
//! The texts live here and nowhere else: templates read them from [`Texts`], so a new
//! language is one more constant and a missing translation is a compile error.

use earshot_store::calls::{CallStatus, Speaker};
use earshot_store::routing::{ItemKind, Strategy};
use earshot_store::users::Role;

use crate::live::AGENT_STATES;

mod acceptance;
mod calibration;
mod dashboard;
mod qa;
mod sampling;
mod survey_metrics;
mod surveys;

pub use acceptance::AccTexts;
pub use calibration::CalTexts;
pub use dashboard::DashTexts;
pub use qa::QaTexts;
pub use sampling::SampTexts;
pub use survey_metrics::SurmTexts;
pub use surveys::SurTexts;

/// A language of the user interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Traditional Chinese as written in Taiwan: the default.
    #[default]
    ZhTw,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhTw, Lang::En];

    /// The BCP 47 tag, as stored in `users.locale` and written in `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::ZhTw => "繁體中文",
            Lang::En => "English",
        }
    }

    /// Parse a tag leniently (`zh-TW`, `zh_tw`, `zh-Hant`, `en-US`, …); `None` if unsupported.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        if tag == "zh" || tag.starts_with("zh-") {
            Some(Lang::ZhTw)
        } else if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header, in the order given.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Lang::parse)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::ZhTw => &ZH_TW,
            Lang::En => &EN,
        }
    }
}

/// The texts of one language.
#[derive(Debug)]
pub struct Texts {
    pub nav_calls: &'static str,
    pub nav_search: &'static str,
    pub logout: &'static str,
    pub language: &'static str,
    pub change: &'static str,
    pub signed_in_as: &'static str,

    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub login_button: &'static str,
    pub login_failed: &'static str,
    pub login_throttled: &'static str,

    pub calls_title: &'static str,
    pub filter_agent: &'static str,
    pub filter_queue: &'static str,
    pub filter_language: &'static str,
    pub filter_from: &'static str,
    pub filter_to: &'static str,
    pub filter_apply: &'static str,
    pub filter_clear: &'static str,
    pub total: &'static str,
    pub no_calls: &'static str,
    pub page_prev: &'static str,
    pub page_next: &'static str,
    pub page: &'static str,

    pub col_started: &'static str,
    pub col_duration: &'static str,
    pub col_caller: &'static str,
    pub col_callee: &'static str,
    pub col_agent: &'static str,
    pub col_queue: &'static str,
    pub col_language: &'static str,
    pub col_status: &'static str,
    pub col_direction: &'static str,
    pub col_disposition: &'static str,
    pub col_external_id: &'static str,
    pub col_source: &'static str,
    pub col_speaker: &'static str,
    pub col_time_in_call: &'static str,
    pub col_text: &'static str,
    pub col_call: &'static str,

    pub call_title: &'static str,
    pub recording: &'static str,
    pub recording_sha256: &'static str,
    pub download: &'static str,
    pub no_recording: &'static str,
    pub transcript: &'static str,
    pub no_transcript: &'static str,
    pub transcript_model: &'static str,
    pub waveform: &'static str,
    pub back_to_calls: &'static str,

    pub search_title: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub search_syntax_title: &'static str,
    /// (syntax, what it does) pairs for the query help.
    pub search_syntax: &'static [(&'static str, &'static str)],
    pub search_results: &'static str,
    pub no_hits: &'static str,
    pub search_error: &'static str,

    pub error_title: &'static str,
    pub error_not_found: &'static str,
    pub error_forbidden: &'static str,
    pub error_unauthorized: &'static str,
    pub error_bad_request: &'static str,
    pub error_csrf: &'static str,
    pub error_conflict: &'static str,
    pub error_too_large: &'static str,
    pub error_range: &'static str,
    pub error_method: &'static str,
    pub error_internal: &'static str,

    pub nav_live: &'static str,
    pub nav_routing: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub delete: &'static str,
    pub routing_title: &'static str,
    pub routing_export: &'static str,
    pub routing_import: &'static str,
    pub routing_agents: &'static str,
    pub routing_queues: &'static str,
    pub routing_menus: &'static str,
    pub routing_trunks: &'static str,
    pub routing_new_agent: &'static str,
    pub routing_new_queue: &'static str,
    pub routing_new_menu: &'static str,
    pub routing_new_trunk: &'static str,
    pub routing_none_yet: &'static str,
    pub routing_not_saved: &'static str,
    pub routing_confirm_delete: &'static str,
    pub routing_saved: &'static str,
    pub routing_deleted: &'static str,
    pub kind_agent: &'static str,
    pub kind_queue: &'static str,
    pub kind_menu: &'static str,
    pub kind_trunk: &'static str,
    pub field_username: &'static str,
    pub field_display_name: &'static str,
    pub field_sip_password: &'static str,
    pub field_linked_user: &'static str,
    pub field_team: &'static str,
    pub field_enabled: &'static str,
    pub field_skills: &'static str,
    pub field_name: &'static str,
    pub field_strategy: &'static str,
    pub field_ring_timeout: &'static str,
    pub field_wrap_up: &'static str,
    pub field_max_wait: &'static str,
    pub field_overflow: &'static str,
    pub field_tier_wait: &'static str,
    pub field_auto_break_after: &'static str,
    pub field_service_level: &'static str,
    pub field_moh_prompt: &'static str,
    pub field_closing_prompt: &'static str,
    pub field_required_skills: &'static str,
    pub field_members: &'static str,
    pub field_prompt: &'static str,
    pub field_invalid_prompt: &'static str,
    pub field_timeout: &'static str,
    pub field_max_repeats: &'static str,
    pub field_entries: &'static str,
    pub field_source: &'static str,
    pub field_entry_menu: &'static str,
    pub field_language: &'static str,
    pub field_max_calls: &'static str,
    pub hint_name: &'static str,
    pub hint_password: &'static str,
    pub hint_password_keep: &'static str,
    pub hint_linked_user: &'static str,
    pub hint_skills: &'static str,
    pub hint_duration: &'static str,
    pub hint_members: &'static str,
    pub hint_entries: &'static str,
    pub hint_source: &'static str,
    pub hint_max_calls: &'static str,
    pub form_bad_skill: &'static str,
    pub form_bad_member: &'static str,
    pub form_bad_entry: &'static str,
    pub form_bad_key: &'static str,
    pub form_bad_duration: &'static str,
    pub form_bad_number: &'static str,
    pub form_bad_choice: &'static str,
    pub form_bad_cidr: &'static str,
    pub form_duplicate: &'static str,
    pub form_name_taken: &'static str,
    pub import_intro: &'static str,
    pub import_file: &'static str,
    pub import_text: &'static str,
    pub import_preview: &'static str,
    pub import_apply: &'static str,
    pub import_preview_title: &'static str,
    pub import_applied: &'static str,
    pub import_no_changes: &'static str,
    pub import_totals: &'static str,
    pub import_syntax_error: &'static str,
    pub change_created: &'static str,
    pub change_updated: &'static str,
    pub change_deleted: &'static str,
    pub live_title: &'static str,
    pub live_updated: &'static str,
    pub live_stale: &'static str,
    pub live_waiting: &'static str,
    pub live_longest_wait: &'static str,
    pub live_agents_by_state: &'static str,
    pub live_offered: &'static str,
    pub live_answered: &'static str,
    pub live_service_level: &'static str,
    pub live_abandon_rate: &'static str,
    pub live_asa: &'static str,
    pub live_sl_definition: &'static str,
    pub live_abandon_definition: &'static str,
    pub live_asa_definition: &'static str,
    pub live_period: &'static str,
    pub live_no_queues: &'static str,
    pub live_no_agents: &'static str,
    pub live_state: &'static str,
    pub live_state_for: &'static str,
    pub live_since: &'static str,
    pub live_current_call: &'static str,

    /// Scorecards, evaluations and disputes.
    pub qa: &'static QaTexts,
    /// The QA dashboard.
    pub dash: &'static DashTexts,
    /// Calibration sessions.
    pub cal: &'static CalTexts,
    /// Sampling plans and worklists.
    pub samp: &'static SampTexts,
    /// Acceptance sampling (ANSI/ASQ Z1.4).
    pub acc: &'static AccTexts,
    /// Survey design, assignment, web links and the public survey form.
    pub sur: &'static SurTexts,
    /// Survey metrics, key drivers and low-answer alerts.
    pub surm: &'static SurmTexts,

    /// In the order of `Strategy::ALL`.
    strategies: [&'static str; 5],
    /// In the order of `crate::live::AGENT_STATES`.
    agent_states: [&'static str; 6],
    speaker_caller: &'static str,
    speaker_agent: &'static str,
    status_transcribing: &'static str,
    status_transcribed: &'static str,
    status_failed: &'static str,
    status_no_recording: &'static str,
    roles: [&'static str; 6],
}

impl Texts {
    pub fn speaker(&self, speaker: Speaker) -> &'static str {
        match speaker {
            Speaker::Caller => self.speaker_caller,
            Speaker::Agent => self.speaker_agent,
        }
    }

    pub fn status(&self, status: CallStatus) -> &'static str {
        match status {
            CallStatus::Transcribing => self.status_transcribing,
            CallStatus::Transcribed => self.status_transcribed,
            CallStatus::Failed => self.status_failed,
            CallStatus::NoRecording => self.status_no_recording,
        }
    }

    pub fn kind(&self, kind: ItemKind) -> &'static str {
        match kind {
            ItemKind::Agent => self.kind_agent,
            ItemKind::Queue => self.kind_queue,
            ItemKind::Menu => self.kind_menu,
            ItemKind::Trunk => self.kind_trunk,
        }
    }

    pub fn strategy(&self, strategy: Strategy) -> &'static str {
        let i = Strategy::ALL
            .iter()
            .position(|s| *s == strategy)
            .expect("Strategy::ALL lists every strategy");
        self.strategies[i]
    }

    /// An agent state as the routing core names it (`wrap-up`), in words; a state this
    /// version does not know is shown as reported.
    pub fn agent_state<'a>(&'static self, state: &'a str) -> &'a str {
        match AGENT_STATES.iter().position(|s| *s == state) {
            Some(i) => self.agent_states[i],
            None => state,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        let i = Role::ALL
            .iter()
            .position(|r| *r == role)
            .expect("Role::ALL lists every role");
        self.roles[i]
    }
}

pub static ZH_TW: Texts = Texts {
    nav_calls: "通話",
    nav_search: "搜尋",
    logout: "登出",
    language: "語言",
    change: "切換",
    signed_in_as: "目前使用者",

    login_title: "登入",
    login_intro: "通話錄音與品質管理系統",
    username: "帳號",
    password: "密碼",
    login_button: "登入",
    login_failed: "帳號或密碼錯誤。",
    login_throttled: "登入失敗次數過多，請於幾分鐘後再試。",

    calls_title: "通話錄音",
    filter_agent: "客服人員",
    filter_queue: "佇列",
    filter_language: "語言",
    filter_from: "起始日期",
    filter_to: "結束日期",
    filter_apply: "篩選",
    filter_clear: "清除",
    total: "共",
    no_calls: "沒有符合條件的通話。",
    page_prev: "上一頁",
    page_next: "下一頁",
    page: "頁",

    col_started: "開始時間",
    col_duration: "通話長度",
    col_caller: "來電號碼",
    col_callee: "受話號碼",
    col_agent: "客服人員",
    col_queue: "佇列",
    col_language: "語言",
    col_status: "狀態",
    col_direction: "方向",
    col_disposition: "結果",
    col_external_id: "外部編號",
    col_source: "來源",
    col_speaker: "說話者",
    col_time_in_call: "通話內時間",
    col_text: "內容",
    col_call: "通話",

    call_title: "通話",
    recording: "通話錄音",
    recording_sha256: "錄音 SHA-256",
    download: "下載錄音",
    no_recording: "此通話沒有錄音。",
    transcript: "逐字稿",
    no_transcript: "尚無逐字稿（轉寫中或失敗）。",
    transcript_model: "轉寫模型",
    waveform: "波形",
    back_to_calls: "回到通話列表",

    search_title: "搜尋逐字稿",
    search_placeholder: "輸入關鍵字，例如：\"信用卡\" agent:amy",
    search_button: "搜尋",
    search_syntax_title: "查詢語法",
    search_syntax: &[
        ("退款 申請", "同時包含兩個詞"),
        ("\"信用卡 號碼\"", "完整片語"),
        ("退款 OR 退費", "任一個詞"),
        ("NOT 抱怨　或　-抱怨", "排除這個詞"),
        ("agent:amy　queue:billing", "指定客服人員／佇列"),
        ("speaker:caller　speaker:agent", "只找客戶或客服人員說的話"),
        ("lang:zh　lang:en", "通話語言"),
        (
            "date:2026-11-23　after:…　before:…",
            "通話日期（YYYY-MM-DD，當地時間）",
        ),
    ],
    search_results: "筆結果",
    no_hits: "沒有符合的逐字稿。",
    search_error: "查詢語法有誤",

    error_title: "無法完成要求",
    error_not_found: "找不到這個頁面或資料。",
    error_forbidden: "您沒有權限存取這個頁面。",
    error_unauthorized: "請先登入。",
    error_bad_request: "要求的內容無效。",
    error_csrf: "表單已過期或來源不明，請重新整理頁面後再試一次。",
    error_conflict: "此項目的狀態不允許這項操作",
    error_too_large: "送出的內容太大。",
    error_range: "要求的錄音範圍超出檔案大小。",
    error_method: "這個網址不接受此種要求。",
    error_internal: "伺服器發生錯誤，已記錄下來，請稍後再試。",


    nav_live: "即時看板",
    nav_routing: "話務設定",
    yes: "是",
    no: "否",
    save: "儲存",
    cancel: "取消",
    delete: "刪除",
    routing_title: "話務路由設定",
    routing_export: "匯出設定檔 (TOML)",
    routing_import: "匯入設定檔",
    routing_agents: "客服人員",
    routing_queues: "佇列",
    routing_menus: "語音選單 (IVR)",
    routing_trunks: "中繼線",
    routing_new_agent: "新增客服人員",
    routing_new_queue: "新增佇列",
    routing_new_menu: "新增語音選單",
    routing_new_trunk: "新增中繼線",
    routing_none_yet: "尚未設定。",
    routing_not_saved: "設定未儲存，請修正下列問題：",
    routing_confirm_delete: "確定要刪除嗎？此動作無法復原。",
    routing_saved: "已儲存",
    routing_deleted: "已刪除",
    kind_agent: "客服人員",
    kind_queue: "佇列",
    kind_menu: "語音選單",
    kind_trunk: "中繼線",
    field_username: "分機帳號 (SIP)",
    field_display_name: "顯示名稱",
    field_sip_password: "SIP 密碼",
    field_linked_user: "對應的系統帳號",
    field_team: "組別",
    field_enabled: "啟用",
    field_skills: "技能",
    field_name: "名稱",
    field_strategy: "分配方式",
    field_ring_timeout: "響鈴逾時",
    field_wrap_up: "話後處理時間",
    field_max_wait: "最長等候時間",
    field_overflow: "溢流佇列",
    field_tier_wait: "層級等候時間",
    field_auto_break_after: "連續未接幾通後自動休息",
    field_service_level: "服務水準目標時間",
    field_moh_prompt: "等候音樂",
    field_closing_prompt: "結束語音",
    field_required_skills: "必要技能",
    field_members: "成員",
    field_prompt: "語音提示",
    field_invalid_prompt: "按鍵錯誤提示",
    field_timeout: "等候按鍵時間",
    field_max_repeats: "最多重播次數",
    field_entries: "按鍵設定",
    field_source: "來源位址 (IP/CIDR)",
    field_entry_menu: "進線選單",
    field_language: "語音語言",
    field_max_calls: "最大同時通話數",
    hint_name: "英文字母、數字、「.」「_」「-」，最長 64 字元，儲存後不能更改。",
    hint_password: "只儲存雜湊值 (MD5 of 帳號:realm:密碼)，不儲存密碼本身。",
    hint_password_keep: "留空則保留原密碼。",
    hint_linked_user: "選填：這位客服人員登入本系統的帳號。",
    hint_skills: "格式：技能=等級（1–10），以逗號分隔，例如 zh=8, en=5",
    hint_duration: "時間長度請加單位，例如 500ms、20s、2m、1m30s。",
    hint_members: "格式：分機:層級，以逗號分隔，例如 1001:1, 1002:2（層級 1 最先分配，省略則為 1）",
    hint_entries: "每行一個：按鍵=動作[:目標]。動作：queue（轉佇列）、menu（轉選單）、survey（同意通話後滿意度調查，再轉選單）、repeat（重播）、hangup（掛斷）。例如 1=queue:cards、8=survey:main",
    hint_source: "從這個位址或網段送來的來電使用此中繼線，例如 192.0.2.10 或 192.0.2.0/24。",
    hint_max_calls: "留空表示不限制。",
    form_bad_skill: "技能請寫成「技能=等級」（等級 1–10）：",
    form_bad_member: "成員請寫成「分機:層級」：",
    form_bad_entry: "按鍵設定請寫成「按鍵=動作[:目標]」：",
    form_bad_key: "不是電話按鍵（0–9、* 或 #）：",
    form_bad_duration: "時間長度格式錯誤，請加單位，例如 20s、1m30s：",
    form_bad_number: "必須是正整數：",
    form_bad_choice: "不是可選的項目：",
    form_bad_cidr: "不是 IP 位址或 CIDR 網段（例如 192.0.2.10 或 192.0.2.0/24）：",
    form_duplicate: "重複：",
    form_name_taken: "這個名稱已經存在，請改用其他名稱或編輯既有項目：",
    import_intro: "貼上或選擇 TOML 設定檔（格式與 earshot apply 相同）。套用時會以檔案內容取代全部話務設定：檔案中沒有的項目將被刪除。先預覽，確認後再套用。",
    import_file: "選擇檔案",
    import_text: "設定內容 (TOML)",
    import_preview: "預覽變更",
    import_apply: "套用",
    import_preview_title: "預覽：套用後將會變更",
    import_applied: "已套用",
    import_no_changes: "沒有任何變更。",
    import_totals: "新增 / 修改 / 刪除",
    import_syntax_error: "設定檔格式錯誤",
    change_created: "新增",
    change_updated: "修改",
    change_deleted: "刪除",
    live_title: "即時看板",
    live_updated: "更新時間",
    live_stale: "無法更新，顯示的可能是舊資料。",
    live_waiting: "等候中的來電",
    live_longest_wait: "最長等候",
    live_agents_by_state: "客服人員狀態",
    live_offered: "進線",
    live_answered: "接聽",
    live_service_level: "服務水準",
    live_abandon_rate: "放棄率",
    live_asa: "平均應答速度",
    live_sl_definition: "服務水準 = 在目標時間內接聽的來電 ÷（接聽 + 放棄 + 結束服務）的來電；放棄的來電不論等候多久都計入。",
    live_abandon_definition: "放棄率 = 在佇列中掛斷的來電 ÷ 進線數。",
    live_asa_definition: "平均應答速度 = 已接聽來電的平均等候時間。",
    live_period: "統計期間：今天（當地時間）00:00 起。",
    live_no_queues: "尚未設定佇列。",
    live_no_agents: "目前沒有客服人員登入。",
    live_state: "狀態",
    live_state_for: "持續時間",
    live_since: "開始時間",
    live_current_call: "目前通話",

    qa: &qa::ZH_TW,
    dash: &dashboard::ZH_TW,
    cal: &calibration::ZH_TW,
    samp: &sampling::ZH_TW,
    acc: &acceptance::ZH_TW,
    sur: &surveys::ZH_TW,
    surm: &survey_metrics::ZH_TW,
    strategies: [
        "全部同時響鈴",
        "閒置最久優先",
        "輪流分配",
        "通話最少優先",
        "依技能分配",
    ],
    agent_states: ["可接聽", "振鈴中", "通話中", "話後處理", "休息", "未登入"],
    speaker_caller: "客戶",
    speaker_agent: "客服人員",
    status_transcribing: "轉寫中",
    status_transcribed: "已轉寫",
    status_failed: "轉寫失敗",
    status_no_recording: "無錄音",
    // In the order of Role::ALL.
    roles: [
        "系統管理員",
        "品質管理負責人",
        "評核人員",
        "督導",
        "客服人員",
        "稽核人員",
    ],
};

pub static EN: Texts = Texts {
    nav_calls: "Calls",
    nav_search: "Search",
    logout: "Sign out",
    language: "Language",
    change: "Change",
    signed_in_as: "Signed in as",

    login_title: "Sign in",
    login_intro: "Call recording and quality management",
    username: "User name",
    password: "Password",
    login_button: "Sign in",
    login_failed: "Wrong user name or password.",
    login_throttled: "Too many failed sign-ins. Try again in a few minutes.",

    calls_title: "Call recordings",
    filter_agent: "Agent",
    filter_queue: "Queue",
    filter_language: "Language",
    filter_from: "From",
    filter_to: "To",
    filter_apply: "Filter",
    filter_clear: "Clear",
    total: "Total",
    no_calls: "No calls match.",
    page_prev: "Previous",
    page_next: "Next",
    page: "Page",

    col_started: "Started",
    col_duration: "Duration",
    col_caller: "Caller",
    col_callee: "Callee",
    col_agent: "Agent",
    col_queue: "Queue",
    col_language: "Language",
    col_status: "Status",
    col_direction: "Direction",
    col_disposition: "Disposition",
    col_external_id: "External id",
    col_source: "Source",
    col_speaker: "Speaker",
    col_time_in_call: "Time in call",
    col_text: "Text",
    col_call: "Call",

    call_title: "Call",
    recording: "Recording",
    recording_sha256: "Recording SHA-256",
    download: "Download recording",
    no_recording: "This call has no recording.",
    transcript: "Transcript",
    no_transcript: "No transcript yet (transcribing or failed).",
    transcript_model: "Model",
    waveform: "Waveform",
    back_to_calls: "Back to calls",

    search_title: "Search transcripts",
    search_placeholder: "Words to find, e.g. \"credit card\" agent:amy",
    search_button: "Search",
    search_syntax_title: "Query syntax",
    search_syntax: &[
        ("refund request", "both words"),
        ("\"credit card number\"", "the exact phrase"),
        ("refund OR return", "either word"),
        ("NOT complaint  or  -complaint", "without this word"),
        ("agent:amy  queue:billing", "one agent / queue"),
        (
            "speaker:caller  speaker:agent",
            "only what the caller or the agent said",
        ),
        ("lang:zh  lang:en", "language of the call"),
        (
            "date:2026-11-23  after:…  before:…",
            "call date (YYYY-MM-DD, local time)",
        ),
    ],
    search_results: "results",
    no_hits: "No transcript matches.",
    search_error: "The query is not valid",

    error_title: "That did not work",
    error_not_found: "This page or record does not exist.",
    error_forbidden: "You do not have permission to open this page.",
    error_unauthorized: "Please sign in.",
    error_bad_request: "The request was not valid.",
    error_csrf: "The form expired or came from elsewhere. Reload the page and try again.",
    error_conflict: "This cannot be done in the item's current state",
    error_too_large: "What was sent is too large.",
    error_range: "The requested range lies outside the recording.",
    error_method: "This address does not accept that kind of request.",
    error_internal: "The server ran into a problem; it has been logged. Please try again later.",


    nav_live: "Live",
    nav_routing: "Routing",
    yes: "Yes",
    no: "No",
    save: "Save",
    cancel: "Cancel",
    delete: "Delete",
    routing_title: "Call routing",
    routing_export: "Export (TOML)",
    routing_import: "Import",
    routing_agents: "Agents",
    routing_queues: "Queues",
    routing_menus: "IVR menus",
    routing_trunks: "Trunks",
    routing_new_agent: "New agent",
    routing_new_queue: "New queue",
    routing_new_menu: "New menu",
    routing_new_trunk: "New trunk",
    routing_none_yet: "None yet.",
    routing_not_saved: "Not saved. Please fix the following:",
    routing_confirm_delete: "Delete this? This cannot be undone.",
    routing_saved: "Saved",
    routing_deleted: "Deleted",
    kind_agent: "Agent",
    kind_queue: "Queue",
    kind_menu: "Menu",
    kind_trunk: "Trunk",
    field_username: "User name (extension)",
    field_display_name: "Display name",
    field_sip_password: "SIP password",
    field_linked_user: "Earshot login",
    field_team: "Team",
    field_enabled: "Enabled",
    field_skills: "Skills",
    field_name: "Name",
    field_strategy: "Strategy",
    field_ring_timeout: "Ring timeout",
    field_wrap_up: "Wrap-up",
    field_max_wait: "Maximum wait",
    field_overflow: "Overflow queue",
    field_tier_wait: "Tier wait",
    field_auto_break_after: "Auto break after (unanswered offers)",
    field_service_level: "Service level target",
    field_moh_prompt: "Music on hold",
    field_closing_prompt: "Closing prompt",
    field_required_skills: "Required skills",
    field_members: "Members",
    field_prompt: "Prompt",
    field_invalid_prompt: "Invalid-key prompt",
    field_timeout: "Key timeout",
    field_max_repeats: "Maximum repeats",
    field_entries: "Keys",
    field_source: "Source (IP/CIDR)",
    field_entry_menu: "Entry menu",
    field_language: "Prompt language",
    field_max_calls: "Maximum concurrent calls",
    hint_name: "ASCII letters, digits, \".\", \"_\" and \"-\", up to 64 characters; cannot be changed later.",
    hint_password: "Only its digest hash (MD5 of user:realm:password) is stored, never the password.",
    hint_password_keep: "Leave empty to keep the current password.",
    hint_linked_user: "Optional: this agent's Earshot login.",
    hint_skills: "Write skill=level (1-10), separated by commas, e.g. zh=8, en=5",
    hint_duration: "Durations need a unit: 500ms, 20s, 2m, 1m30s.",
    hint_members: "Write agent:tier, separated by commas, e.g. 1001:1, 1002:2 (tier 1 is offered first; default 1)",
    hint_entries: "One per line: key=action[:target]. Actions: queue, menu, survey (opt in to the post-call survey, then go to the menu), repeat, hangup. E.g. 1=queue:cards, 8=survey:main",
    hint_source: "Calls from this address or block use this trunk, e.g. 192.0.2.10 or 192.0.2.0/24.",
    hint_max_calls: "Leave empty for no limit.",
    form_bad_skill: "Write skills as skill=level (level 1-10): ",
    form_bad_member: "Write members as agent:tier: ",
    form_bad_entry: "Write keys as key=action[:target]: ",
    form_bad_key: "Not a keypad key (0-9, * or #): ",
    form_bad_duration: "Not a duration; write it with a unit such as 20s or 1m30s: ",
    form_bad_number: "Must be a whole number: ",
    form_bad_choice: "Not one of the choices: ",
    form_bad_cidr: "Not an IP address or CIDR block (e.g. 192.0.2.10 or 192.0.2.0/24): ",
    form_duplicate: "Given twice: ",
    form_name_taken: "This name is already in use; choose another or edit the existing one: ",
    import_intro: "Paste or choose a TOML file (the format of earshot apply). Applying replaces the whole routing configuration: items the file lacks are deleted. Preview first, then apply.",
    import_file: "Choose a file",
    import_text: "Configuration (TOML)",
    import_preview: "Preview changes",
    import_apply: "Apply",
    import_preview_title: "Preview: applying would make these changes",
    import_applied: "Applied",
    import_no_changes: "No changes.",
    import_totals: "Created / updated / deleted",
    import_syntax_error: "The file is not valid TOML for a routing configuration",
    change_created: "create",
    change_updated: "update",
    change_deleted: "delete",
    live_title: "Live view",
    live_updated: "Updated",
    live_stale: "Cannot update; the figures may be out of date.",
    live_waiting: "Calls waiting",
    live_longest_wait: "Longest wait",
    live_agents_by_state: "Agents",
    live_offered: "Offered",
    live_answered: "Answered",
    live_service_level: "Service level",
    live_abandon_rate: "Abandon rate",
    live_asa: "ASA",
    live_sl_definition: "Service level = calls answered within the target ÷ (answered + abandoned + closed) calls; every abandoned call counts, however short its wait.",
    live_abandon_definition: "Abandon rate = callers who hung up while waiting ÷ calls offered.",
    live_asa_definition: "ASA (average speed of answer) = mean wait of answered calls.",
    live_period: "Figures cover today since 00:00 local time.",
    live_no_queues: "No queues are configured.",
    live_no_agents: "No agents are signed in to a phone.",
    live_state: "State",
    live_state_for: "For",
    live_since: "Since",
    live_current_call: "Current call",

    qa: &qa::EN,
    dash: &dashboard::EN,
    cal: &calibration::EN,
    samp: &sampling::EN,
    acc: &acceptance::EN,
    sur: &surveys::EN,
    surm: &survey_metrics::EN,
    strategies: [
        "Ring all",
        "Longest idle",
        "Round robin",
        "Fewest calls",
        "Skills based",
    ],
    agent_states: [
        "Available",
        "Ringing",
        "On a call",
        "Wrap-up",
        "On break",
        "Logged out",
    ],
    speaker_caller: "Caller",
    speaker_agent: "Agent",
    status_transcribing: "Transcribing",
    status_transcribed: "Transcribed",
    status_failed: "Failed",
    status_no_recording: "No recording",
    roles: [
        "Administrator",
        "QA manager",
        "QA reviewer",
        "Supervisor",
        "Agent",
        "Auditor",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_tags_and_headers() {
        assert_eq!(Lang::parse("zh-TW"), Some(Lang::ZhTw));
        assert_eq!(Lang::parse("zh_Hant"), Some(Lang::ZhTw));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.8,zh-TW;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn every_role_has_a_name_in_every_language() {
        for lang in Lang::ALL {
            let names: Vec<_> = Role::ALL.iter().map(|r| lang.texts().role(*r)).collect();
            let mut unique = names.clone();
            unique.dedup();
            assert_eq!(unique.len(), Role::ALL.len(), "{names:?}");
        }
        assert_eq!(ZH_TW.role(Role::Auditor), "稽核人員");
        assert_eq!(EN.speaker(Speaker::Agent), "Agent");
    }
}
