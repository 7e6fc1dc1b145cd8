"""The ledger's bilingual messages, kept beside the code that uses them."""

from __future__ import annotations

from typing import Any

from anpo.framework.model import Text

MESSAGES: dict[str, tuple[str, str]] = {
    "exists_with_different_fields": (
        "ID {id} は別の内容の指示で既に使われています。",
        "id {id} was already used by a command with different content.",
    ),
    "not_permitted": ("権限がありません（{action}）。", "not permitted ({action})."),
    "not_the_party": (
        "権限がありません（{action}）: この指示を行えるのは{party}の利用者です。",
        "not permitted ({action}): only a user of {party} may take this step.",
    ),
    "refused": (
        "発注は認められません: {provider}は {on} に「{context}」において「{category}」を提供できません。",
        "order refused: on {on}, {provider} may not provide {category} in {context}.",
    ),
    "undetermined": (
        "発注を判断できません: {provider}が {on} に「{context}」において「{category}」を提供できるか定まりません。",
        "order cannot be decided: whether {provider} may provide {category} in {context} on {on} is undetermined.",
    ),
    "no_agreement": ("{on} に効力を有するACSAはありません。", "no ACSA was in force on {on}."),
    "unknown_value": (
        "{field}={value} は使えません（使える値: {allowed}）。",
        "{field}={value} is not allowed (allowed: {allowed}).",
    ),
    "bad_number": ("{field}={value} は正の数ではありません。", "{field}={value} is not a positive number."),
    "nul_in_text": (
        "{field} にNUL文字（U+0000）は使えません。",
        "{field} must not contain a NUL character (U+0000).",
    ),
    "too_long": (
        "{field} が長すぎます（{length}文字、上限 {limit}文字）。",
        "{field} is too long ({length} characters, at most {limit}).",
    ),
    "too_many": (
        "{field} が多すぎます（{count}件、上限 {limit}件）。",
        "{field} has too many entries ({count}, at most {limit}).",
    ),
    "lone_surrogate": (
        "{field} に文字ではない値（対のないサロゲート {code}）があります。",
        "{field} contains a lone surrogate ({code}), which is not a character.",
    ),
    "not_text": ("{field} は文字列で書いてください。", "{field} must be text."),
    "not_list": ("{field} はリスト（配列）で書いてください。", "{field} must be a list."),
    "not_object": (
        "{field} の各項目はオブジェクトで書いてください（{at}番目）。",
        "each entry of {field} must be an object (entry {at}).",
    ),
    "unknown_keys": (
        "{field} の{at}番目に不明な項目があります: {keys}（使える項目: {allowed}）。",
        "entry {at} of {field} has unknown fields: {keys} (allowed: {allowed}).",
    ),
    "too_large": (
        "{field}={value} は大きすぎます（上限 {limit}）。",
        "{field}={value} is too large (at most {limit}).",
    ),
    "balance_out_of_range": (
        "この指示を記帳すると、残高が台帳に記録できる範囲（±{limit}）を超えます。",
        "recording this command would take a balance beyond what the ledger can hold (±{limit}).",
    ),
    "bad_precision": (
        "{field}={value} の小数点以下の桁数が多すぎます（最大{places}桁）。",
        "{field}={value} has too many decimal places (at most {places}).",
    ),
    "bad_name": (
        "{field}={value} は英小文字と数字で書いてください（品目と単位で合わせて23文字まで）。",
        "{field}={value} must be lowercase letters and digits (item and unit together at most 23 characters).",
    ),
    "no_lines": ("品目がありません。", "an order needs at least one line item."),
    "bad_id": (
        "ID {value} は使えません（1〜64文字の英数字・-・_・.・:）。",
        "id {value} is not usable (1-64 characters: letters, digits, - _ . :).",
    ),
    "method_not_allowed": (
        "「{category}」は「{method}」では決済できません（使える方法: {allowed}）。",
        "{category} cannot be settled by {method} (allowed: {allowed}).",
    ),
    "unknown_order": ("発注 {order} はありません。", "there is no order {order}."),
    "unknown_delivery": ("引渡し {delivery} はありません。", "there is no delivery {delivery}."),
    "unknown_line": ("発注 {order} に品目 {line} はありません。", "order {order} has no line {line}."),
    "cancelled": ("発注 {order} は取り消されています。", "order {order} has been cancelled."),
    "already_signed": ("{party}は発注 {order} に既に署名しています。", "{party} has already signed order {order}."),
    "not_binding": (
        "発注 {order} は両者の署名がまだそろっていません（署名: {signed}）。",
        "order {order} is not yet signed by both sides (signed: {signed}).",
    ),
    "before": (
        "{step}の日付 {on} は{what}の日付 {earlier} より前です。",
        "the {step} date {on} is before the {what} date {earlier}.",
    ),
    "exceeds_ordered": (
        "品目 {line} の引渡し数量が発注数量を超えます（発注 {ordered}、引渡し済み {delivered}、今回 {quantity}）。",
        "line {line}: delivery exceeds the quantity ordered (ordered {ordered}, delivered {delivered}, now {quantity}).",
    ),
    "no_documents": (
        "引渡しには裏付け書類（受領書・伝票など）の添付が必要です。",
        "a delivery needs its supporting documents (receipts, vouchers) attached.",
    ),
    "already_received": (
        "引渡し {delivery} の受領は確認済みです。",
        "receipt of delivery {delivery} is already confirmed.",
    ),
    "received_no_correct": (
        "引渡し {delivery} は受領確認済みのため訂正できません。",
        "delivery {delivery} cannot be corrected: its receipt is already confirmed.",
    ),
    "wrong_method": (
        "発注 {order} の決済方法は「{expected}」です（指示: 「{method}」）。",
        "order {order} is settled by {expected}, not {method}.",
    ),
    "wrong_currency": (
        "{currency} は使えません（発注 {order} の債務: {owed}）。",
        "{currency} cannot be used (order {order} owes: {owed}).",
    ),
    "unknown_currency": (
        "通貨 {currency} は使えません（使える通貨: {allowed}）。",
        "currency {currency} is not allowed (allowed: {allowed}).",
    ),
    "no_rate": (
        "{on}（{fy}年度）の公式換算率が登録されていないため、{src} を {dst} に換算できません。",
        "no official rate is recorded for {on} (Japanese FY {fy}), so {src} cannot be converted to {dst}.",
    ),
    "exceeds_owed": (
        "決済額 {amount} {commodity} が未決済額 {owed} を超えます。",
        "settlement {amount} {commodity} exceeds what is owed ({owed}).",
    ),
    "not_received": (
        "受領が確認された引渡しがありません（先に受領確認が必要です）。",
        "no delivery with confirmed receipt is outstanding (confirm receipt first).",
    ),
    "nothing_to_cancel": (
        "発注 {order} には取り消せる未引渡し分がありません。",
        "order {order} has nothing left undelivered to cancel.",
    ),
    "not_recipient": (
        "受領を確認できるのは受領側（{recipient}）です。",
        "only the recipient ({recipient}) confirms receipt.",
    ),
    "bad_marking": (
        "区分 {level} は使えません（使える区分: {allowed}）。",
        "marking level {level} is not allowed (allowed: {allowed}).",
    ),
    # anpo.ledger.queries.verify: what disagrees when every running figure is recomputed
    "verify_malformed": (
        "取引 {txn} の記帳 {posting} は不正です（借方 {debit}、貸方 {credit}、金額 {amount}）。金額は正、借方と貸方は別の勘定でなければなりません。",
        "posting {posting} of transaction {txn} is malformed (debit {debit}, credit {credit}, amount {amount}):"
        " the amount must be positive and the two accounts different.",
    ),
    "verify_balance": (
        "残高 {account} / {commodity} / {marking} は {stored_ja} ですが、記帳の合計は {summed_ja} です。",
        "balance {account} / {commodity} / {marking} is {stored_en} but its postings sum to {summed_en}.",
    ),
    "verify_over_settled": (
        "債務 {obligation} の決済額 {settled} が債務額 {amount} を超えています。",
        "obligation {obligation} settled {settled} of {amount}.",
    ),
    "verify_settled_sum": (
        "債務 {obligation} の決済額 {settled} が決済の記帳の合計 {total} と一致しません。",
        "obligation {obligation} settled {settled} but its settlement postings sum to {total}.",
    ),
    "verify_over_delivered": (
        "発注 {order} の品目 {line}: 引渡し {delivered} と取消し {cancelled} の合計が発注数量 {ordered} を超えています。",
        "order {order} line {line}: delivered {delivered} + cancelled {cancelled} > ordered {ordered}.",
    ),
    "verify_delivered_sum": (
        "発注 {order} の品目 {line}: 引渡し済み {delivered} が引渡しの合計 {total} と一致しません。",
        "order {order} line {line}: delivered {delivered} but deliveries sum to {total}.",
    ),
    "verify_count": (
        "指示 {command} は記帳 {acknowledged} 件と応答しましたが、記帳は {found} 件です。",
        "command {command} acknowledged {acknowledged} postings but has {found}.",
    ),
    "verify_orphan": (
        "取引 {txn} の記帳 {found} 件に対応する受理済みの指示がありません。",
        "transaction {txn} has {found} postings but no acknowledged command.",
    ),
    "verify_sound": (
        "台帳は整合しています: すべての残高・債務・品目・指示を記帳から再計算しました。",
        "ledger sound: every balance, obligation, line and command recomputed from the postings.",
    ),
    "no_ledger": (
        "ACSA台帳のテーブルがありません。先に `anpo db init` を実行してください。",
        "the ACSA ledger tables do not exist; run `anpo db init` first.",
    ),
}


# The Japanese words of the ledger's own ids that its messages name: steps (as `Batch.not_before`
# names them) and actions. The pack's vocabulary (parties, categories, contexts, methods) is shown
# by its labels (`Policy.label`); the English text keeps the ids, which the CLI and API take.
WORDS_JA: dict[str, str] = {
    "order": "発注",
    "signature": "署名",
    "binding": "発注の成立（両者の署名）",
    "delivery": "引渡し",
    "receipt": "受領確認",
    "settlement": "決済",
    "cancellation": "取消し",
    "correction": "訂正",
    "acsa.order": "発注",
    "acsa.sign": "署名",
    "acsa.deliver": "引渡し",
    "acsa.receive": "受領確認",
    "acsa.settle": "決済",
    "acsa.cancel": "取消し",
    "acsa.correct": "訂正",
}


def word(value: str) -> Text:
    """One of the ledger's own ids as a message parameter: its Japanese word, the id in English."""
    return Text(WORDS_JA.get(value, value), value)


def m(key: str, /, **params: Any) -> Text:
    """The message `key` with its parameters filled in, in both languages. A parameter given as a
    Text (a label, `word`) fills each language's text with its own."""
    ja, en = MESSAGES[key]
    if not any(isinstance(v, Text) for v in params.values()):
        return Text(ja.format(**params), en.format(**params))
    in_ja = {k: v.ja if isinstance(v, Text) else v for k, v in params.items()}
    in_en = {k: v.en if isinstance(v, Text) else v for k, v in params.items()}
    return Text(ja.format(**in_ja), en.format(**in_en))


class LedgerError(Exception):
    """A command the ledger refuses; nothing was changed. `code` is stable, `text` bilingual."""

    def __init__(self, code: str, text: Text, reasons: list[dict[str, Any]] | None = None) -> None:
        self.code = code
        self.text = text
        self.reasons = reasons or []
        super().__init__(text.en)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.text.as_json()}
        if self.reasons:
            out["reasons"] = self.reasons
        return out


def fail(code: str, key: str | None = None, /, **params: Any) -> LedgerError:
    """A LedgerError with message `key` (default: the code itself)."""
    return LedgerError(code, m(key or code, **params))
