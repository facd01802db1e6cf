"""Random Japanese and Latin text shaped like manga lettering.

Text is a list of lines; a line is a list of runs ``(text, ruby)`` where ``ruby`` is the furigana
reading of the run (``None`` when it has none). Meaning does not matter to a segmenter, but the
mix does: hiragana-heavy sentences with kanji compounds, katakana words with long-vowel marks,
small kana, ellipses and ``!?`` marks, as in real dialogue.
"""

from __future__ import annotations

import functools

import numpy as np

Run = tuple[str, "str | None"]
Line = list[Run]

HIRAGANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
HIRAGANA_VOICED = "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
KATAKANA_VOICED = "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴ"
SMALL_HIRAGANA = "ぁぃぅぇぉっゃゅょ"
SMALL_KATAKANA = "ァィゥェォッャュョ"
# Frequent hiragana, repeated to weight the draw.
FREQUENT_HIRAGANA = "のにはをがとでもてるたいしかなっんだよねうすくまらこれそあり" * 3 + HIRAGANA
COMMON_KANJI = (
    "一二三四五六七八九十百千万円年月日時分今何人大小中上下左右前後外内出入見行来帰言話語"
    "読書聞食飲会社学校生先私僕俺君彼女男子母父兄弟姉妹友家国名気心思考知分手足目口耳顔体"
    "頭力声音楽電車道町村店本夜朝昼夕空雨雪風山川海花木森田天地水火金土事物理由意味問題"
    "本当全部最初後悪良新古長短高安強弱早速近遠明暗白黒赤青色光影死命生活動止急待持取使作"
    "始終開閉送届変化連絡説明約束準備練習試合勝負戦争平和世界宇宙星機械部屋場所方法仕事"
    "自分相手仲間敵味方危険安全大丈夫無理可能必要絶対普通特別秘密記憶夢現実過去未来運"
)
PARTICLES = ("は", "が", "を", "に", "で", "と", "も", "の", "へ", "から", "まで", "より")
ENDINGS = ("よ", "ね", "か", "な", "だ", "だよ", "だね", "です", "ます", "のか", "ぞ", "わ", "さ")
PHRASES = (
    "どうして",
    "なんだと",
    "そうか",
    "ちょっと待って",
    "ありがとう",
    "ごめん",
    "まさか",
    "やめろ",
    "いいかげんに",
    "ほんとに",
    "でも",
    "だって",
    "よし",
    "あの",
    "えーと",
    "うわっ",
    "なんで",
    "いくぞ",
    "わかった",
    "しかたない",
    "まったく",
    "そうね",
    "もう",
    "じゃあ",
    "ねえ",
    "おい",
    "やった",
    "すごい",
    "こんな",
    "あれ",
    "これって",
    "だめだ",
    "はい",
)
PUNCT_END = ("", "", "", "。", "！", "？", "…", "……", "!!", "!?", "ッ", "ー", "〜", "っ", "――", "ーッ")
# Long dashes and ellipses inside a line: real dialogue has many, and a long dash on its own in a
# balloon is the mark a segmenter most often leaves behind.
PAUSES = ("――", "――", "―", "……", "…", "ーー")
# Whole utterances of one to three glyphs, alone in a balloon: real pages have many, and a lone
# "?" is easy to take for an art mark.
SHORT_UTTERANCES = (
    *("?", "!", "!!", "!?", "…", "……", "…!"),
    *("あ", "え?", "えっ", "ん?", "はっ", "ほら", "うん!", "おい", "よし", "ひっ", "なっ"),
    *("あっ", "ほぉ", "うん", "ふっ", "ふん", "はぁ", "そっ", "いや…", "でも…", "くそっ", "えへへ"),
    *("むぐっ", "いいえ", "私", "全然", "俺", "何?", "誰?", "はい", "ええ", "まさか", "ちょっ…"),
)
# Endings a random short utterance may take ("ふっ", "ねぇ…", "あれ?").
SHORT_ENDINGS = ("", "っ", "ぁ", "ぇ", "ー", "…", "!", "?", "!?", "っ!", "…?")


def short_utterance(rng: np.random.Generator) -> str:
    """One short utterance alone in a balloon: a listed one, or one or two kana with an ending."""
    if rng.random() < 0.5:
        return _choice(rng, SHORT_UTTERANCES)
    return _chars(rng, FREQUENT_HIRAGANA + KATAKANA, int(rng.integers(1, 3))) + _choice(rng, SHORT_ENDINGS)


SFX_JA = (
    "ドドド",
    "ゴゴゴ",
    "バン",
    "ドン",
    "ザワザワ",
    "ガシャーン",
    "ズキューン",
    "ビシッ",
    "パン",
    "ドカッ",
    "ゴロゴロ",
    "シーン",
    "ハッ",
    "ギャー",
    "キャー",
    "ヒュー",
    "ゴォォ",
    "ザッ",
    "ダダダ",
    "バタン",
    "ガタッ",
    "ポン",
    "ピッ",
    "ブルブル",
    "ズズズ",
    "メラメラ",
    "ドキドキ",
    "ワクワク",
    "ベシッ",
    "ガッ",
    "グッ",
    "ドサッ",
    "バキッ",
    "ズドーン",
    "ポ",
    "ぷよぷよ",
    "だだだだ",
    "ぱちぱち",
    "ふわっ",
    "きらっ",
    "ごごご",
    "どきっ",
    "ざわ",
    "ぎゅっ",
    "ばっ",
)
SFX_LATIN = ("BOOM", "BAM", "CRASH", "WHAM", "THUD", "KRAK", "ZOOM", "SNAP", "BANG", "POW")
LATIN_WORDS = (
    "the",
    "you",
    "what",
    "this",
    "that",
    "is",
    "are",
    "not",
    "we",
    "can",
    "do",
    "it",
    "I",
    "know",
    "why",
    "wait",
    "here",
    "there",
    "come",
    "on",
    "look",
    "out",
    "no",
    "way",
    "really",
    "sorry",
    "thank",
    "okay",
    "stop",
    "run",
    "now",
    "just",
    "never",
    "again",
    "right",
    "time",
    "think",
    "about",
    "going",
    "to",
    "be",
    "me",
    "him",
    "her",
    "they",
    "all",
    "of",
    "us",
    "sequence",
    "system",
    "power",
    "battery",
    "mode",
    "manual",
    "screen",
    "start",
    "done",
)


@functools.lru_cache(maxsize=1)
def jis_level1_kanji() -> str:
    """The 2,965 JIS X 0208 level-1 kanji (the common ones), decoded without any data file."""
    rows = range(16, 48)
    chars = [
        bytes([0xA0 + r, 0xA0 + c]).decode("euc_jp")
        for r in rows
        for c in range(1, 95)
        if not (r == 47 and c > 51)
    ]
    return "".join(chars)


def _choice(rng: np.random.Generator, items) -> str:
    return items[int(rng.integers(len(items)))]


def _chars(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=n))


def kanji_word(rng: np.random.Generator, n: int) -> str:
    """``n`` kanji, mostly common ones."""
    pool = COMMON_KANJI if rng.random() < 0.7 else jis_level1_kanji()
    return _chars(rng, pool, n)


def reading(rng: np.random.Generator, n_kanji: int) -> str:
    """A plausible-looking hiragana reading, 1-2 kana per kanji."""
    n = int(rng.integers(1, 3, size=n_kanji).sum())
    return _chars(rng, HIRAGANA + HIRAGANA_VOICED + "ょゅう", n)


def katakana_word(rng: np.random.Generator) -> str:
    """A katakana loanword: 2-6 kana, sometimes with ー, small kana or ッ."""
    word = _chars(rng, KATAKANA + KATAKANA_VOICED, int(rng.integers(2, 6)))
    if rng.random() < 0.5:
        i = int(rng.integers(1, len(word) + 1))
        word = word[:i] + _choice(rng, "ーーーッャュョィェ") + word[i:]
    return word


def _token(rng: np.random.Generator, furigana_share: float) -> list[Run]:
    r = rng.random()
    if r < 0.30:
        n = int(rng.choice([1, 2, 2, 3]))
        ruby = reading(rng, n) if rng.random() < furigana_share else None
        okurigana = _chars(rng, FREQUENT_HIRAGANA, int(rng.integers(0, 3)))
        return [(kanji_word(rng, n), ruby)] + ([(okurigana, None)] if okurigana else [])
    if r < 0.55:
        return [(_chars(rng, FREQUENT_HIRAGANA + HIRAGANA_VOICED, int(rng.integers(1, 5))), None)]
    if r < 0.67:
        return [(katakana_word(rng), None)]
    if r < 0.82:
        return [(_choice(rng, PARTICLES), None)]
    if r < 0.94:
        return [(_choice(rng, PHRASES), None)]
    if r < 0.98:
        return [(_choice(rng, PAUSES), None)]
    return [(_choice(rng, ("OK", "MMU", "TV", "2", "10", "A", "B")), None)]


def japanese_lines(
    rng: np.random.Generator, n_lines: int, max_len: int, furigana_share: float = 0.15
) -> list[Line]:
    """``n_lines`` lines of at most ``max_len`` characters (runs never split across lines)."""
    lines: list[Line] = []
    for _ in range(n_lines):
        target = int(rng.integers(max(1, max_len // 2), max_len + 1))
        line: Line = []
        length = 0
        while length < target:
            runs = _token(rng, furigana_share)
            size = sum(len(text) for text, _ in runs)
            if length and length + size > max_len:
                break
            line += runs
            length += size
        end = _choice(rng, PUNCT_END)
        if length + len(end) <= max_len + 2 and end:
            line.append((end, None))
        if rng.random() < 0.08:
            line.insert(0, (_choice(rng, ("「", "『", "（")), None))
        lines.append(line)
    return lines


def latin_lines(rng: np.random.Generator, n_lines: int, max_len: int) -> list[Line]:
    """Lines of English words, upper case most of the time (comic lettering)."""
    upper = rng.random() < 0.7
    lines: list[Line] = []
    for _ in range(n_lines):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < max_len * 0.7:
            words.append(_choice(rng, LATIN_WORDS))
        text = " ".join(words)[: max_len + 6].strip()
        text += _choice(rng, ("", "", ".", "!", "?", "...", "!?"))
        lines.append([(text.upper() if upper else text.capitalize(), None)])
    return lines


def sfx_text(rng: np.random.Generator, latin: bool = False) -> str:
    """A sound effect word; repeated marks (ーッ!!) added now and then."""
    if latin:
        return _choice(rng, SFX_LATIN) + _choice(rng, ("", "", "!", "!!"))
    word = _choice(rng, SFX_JA)
    if rng.random() < 0.25:
        word += _choice(rng, ("ッ", "ー", "!!", "ッ!", "…"))
    return word
