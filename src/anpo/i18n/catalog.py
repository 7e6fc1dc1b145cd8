"""The message catalog: key -> (Japanese, English). Placeholders use str.format names."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # pack loading
    "load.not_a_list": (
        "ファイルは実体レコードのリストでなければなりません",
        "a pack file must be a list of entity records",
    ),
    "load.yaml_syntax": ("YAMLの構文エラー: {detail}", "YAML syntax error: {detail}"),
    "load.not_a_mapping": ("レコードはマッピングでなければなりません", "a record must be a mapping"),
    "load.unknown_key": ("不明なキー「{key}」（使えるキー: {allowed}）", "unknown key '{key}' (allowed: {allowed})"),
    "load.duplicate_key": ("キー「{key}」が重複しています", "duplicate key '{key}'"),
    "load.missing_key": ("必須のキー「{key}」がありません", "missing required key '{key}'"),
    "load.bad_id": ("識別子「{id}」は小文字のsnake_caseでなければなりません", "id '{id}' must be lowercase snake_case"),
    "load.duplicate_id": ("識別子「{id}」は{where}でも定義されています", "id '{id}' is also defined at {where}"),
    "load.unknown_kind": (
        "不明な種類「{kind}」（使える種類: {allowed}）",
        "unknown kind '{kind}' (allowed: {allowed})",
    ),
    "load.bad_text": (
        "ラベル・文は日本語(ja)と英語(en)の両方が必要です: {missing}がありません",
        "a label or text needs both Japanese (ja) and English (en): {missing} missing",
    ),
    "load.bad_date": ("日付「{value}」が不正です（YYYY-MM-DD）", "bad date '{value}' (expected YYYY-MM-DD)"),
    "load.reversed_dates": (
        "期間の終わり({to})が始まり({start})より後ではありません",
        "period end ({to}) is not after its start ({start})",
    ),
    "load.no_citation": ("出典のない事実です", "fact without a citation"),
    "load.bad_citation": ("出典の書き方が不正です: {detail}", "bad citation: {detail}"),
    "load.quote_too_long": ("引用は{max}文字以内にしてください", "a quotation may have at most {max} characters"),
    "load.fact_attrs": (
        "事実には属性がちょうど一つ必要です（見つかったもの: {found}）",
        "a fact needs exactly one attribute (found: {found})",
    ),
    "load.unknown_attr": (
        "種類「{kind}」に属性「{attr}」はありません（使える属性: {allowed}）",
        "kind '{kind}' has no attribute '{attr}' (allowed: {allowed})",
    ),
    "load.bad_value": ("属性「{attr}」の値が不正です: {detail}", "bad value for '{attr}': {detail}"),
    "load.dangling_ref": ("識別子「{id}」を参照していますが、存在しません", "refers to '{id}', which does not exist"),
    "load.wrong_ref_kind": (
        "「{id}」は種類「{kind}」ですが、ここには{allowed}が必要です",
        "'{id}' is a {kind}, but {allowed} is expected here",
    ),
    "load.not_a_source": (
        "出典「{id}」は種類sourceの実体ではありません",
        "citation source '{id}' is not an entity of kind source",
    ),
    "load.overlap": (
        "属性「{attr}」の事実の有効期間が{other}の事実と重なっています",
        "fact '{attr}' overlaps in time with the fact at {other}",
    ),
    "load.approx_needs_note": ("approx: true の事実にはnoteが必要です", "a fact with approx: true needs a note"),
    "load.no_files": ("パックにYAMLファイルがありません", "the pack has no YAML files"),
    "load.not_a_dir": ("パックのディレクトリが見つかりません", "pack directory not found"),
    "check.ok": (
        "問題はありません: {files}ファイル、{entities}件の実体、{facts}件の事実",
        "no problems: {files} files, {entities} entities, {facts} facts",
    ),
    "check.problems": ("{count}件の問題が見つかりました", "{count} problems found"),
    # dates and parameters
    "date.bad": (
        "日付「{value}」を読めません（YYYY-MM-DD または 平成28年12月27日 の形式）",
        "cannot read date '{value}' (use YYYY-MM-DD or an era date such as 平成28年12月27日)",
    ),
    "entity.unknown": ("識別子「{id}」は見つかりません", "no entity with id '{id}'"),
    "vocab.unknown_kind": (
        "語彙の種類「{kind}」はありません（使える種類: {allowed}）",
        "no vocabulary kind '{kind}' (allowed: {allowed})",
    ),
    # questions
    "ask.unknown_question": (
        "質問「{name}」はありません（使える質問: {allowed}）",
        "no question '{name}' (allowed: {allowed})",
    ),
    "ask.bad_param_syntax": (
        "パラメータ「{text}」は name=value の形式で指定してください",
        "parameter '{text}' must be written name=value",
    ),
    "ask.unknown_param": (
        "質問「{question}」にパラメータ「{name}」はありません（使えるもの: {allowed}）",
        "question '{question}' has no parameter '{name}' (allowed: {allowed})",
    ),
    "ask.missing_param": (
        "パラメータ「{name}」が必要です（使える値: {allowed}）",
        "parameter '{name}' is required (allowed values: {allowed})",
    ),
    "ask.bad_value": (
        "パラメータ「{name}」に値「{value}」は使えません（使える値: {allowed}）",
        "'{value}' is not allowed for '{name}' (allowed values: {allowed})",
    ),
    "ask.undetermined": ("判断できません", "undetermined"),
    "ask.batch_bad_line": ("{line}行目: {detail}", "line {line}: {detail}"),
    # web pages
    "ui.title": ("日米安全保障体制 anpo", "anpo — Japan–U.S. Security Arrangements"),
    "ui.nav.home": ("ホーム", "Home"),
    "ui.nav.bodies": ("協議の場", "Consultation bodies"),
    "ui.nav.timeline": ("経緯", "Timeline"),
    "ui.nav.ask": ("質問", "Ask"),
    "ui.json_twin": ("このページのJSON", "This page as JSON"),
    "ui.switch_lang": ("English", "日本語"),
    "ui.as_of": ("基準日", "As of"),
    "ui.show": ("表示", "Show"),
    "ui.from": ("開始日", "From"),
    "ui.to": ("終了日", "To"),
    "ui.purpose": ("目的", "Purpose"),
    "ui.legal_basis": ("根拠など", "Legal basis"),
    "ui.members": ("出席対象者", "Members"),
    "ui.members_unrecorded": (
        "資料はこの日の出席対象者を記していません",
        "The sources do not record the members on this date",
    ),
    "ui.not_established": ("この日にはまだ設置されていません", "Not yet established on this date"),
    "ui.sources": ("出典", "Sources"),
    "ui.question": ("質問", "Question"),
    "ui.params": ("パラメータ（name=value を空白区切り）", "Parameters (name=value, separated by spaces)"),
    "ui.answer": ("回答", "Answer"),
    "ui.reasons": ("理由", "Reasons"),
    "ui.in_force": ("根拠となった規定", "Provisions in force"),
    "ui.referenced_by": ("参照元", "Referenced by"),
    "ui.facts": ("事実", "Facts"),
    "ui.names": ("名称の変遷", "Names over time"),
    "ui.defined_at": ("定義箇所", "Defined at"),
    "ui.home_intro": (
        "防衛白書が記述する日米安全保障体制を、日付と出典つきのデータと規則として閲覧できます。",
        "Browse the Japan–U.S. Security Arrangements as the Defense White Papers describe them: dated, cited data and rules.",
    ),
    "ui.banner_public": ("公開", "PUBLIC"),
    "ui.not_found": ("見つかりません", "Not found"),
    "ui.error": ("エラー", "Error"),
    "ui.undetermined": ("判断できません", "Undetermined"),
    "ui.entity": ("実体", "Entity"),
    "ui.date": ("日付", "Date"),
    "ui.event": ("出来事", "Event"),
}
