//! Every text the pages show, in Traditional Chinese (Taiwan) and English.
//!
//! The texts live here and nowhere else: templates read them from [`Texts`], so a new
//! language is one more constant and a missing translation is a compile error.

use earshot_store::calls::{CallStatus, Speaker};
use earshot_store::users::Role;

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
    pub error_too_large: &'static str,
    pub error_range: &'static str,
    pub error_method: &'static str,
    pub error_internal: &'static str,

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
    error_too_large: "送出的內容太大。",
    error_range: "要求的錄音範圍超出檔案大小。",
    error_method: "這個網址不接受此種要求。",
    error_internal: "伺服器發生錯誤，已記錄下來，請稍後再試。",

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
    error_too_large: "What was sent is too large.",
    error_range: "The requested range lies outside the recording.",
    error_method: "This address does not accept that kind of request.",
    error_internal: "The server ran into a problem; it has been logged. Please try again later.",

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
