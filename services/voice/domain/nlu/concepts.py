"""Bilingual concept lexicon: discriminative banking terms -> shared concept tokens for the classifier.

The character and word n-grams only know the surface forms seen in training; a customer who says "my card
was nicked" or "卡被人顺走了" may use words the corpus lacks. Each concept lists English words and Mandarin
substrings; a turn that contains any of them gets the concept's token as an extra feature. The tokens are the
same for both languages, so what the model learns from a Mandarin utterance also helps an English one with
the same concept, and the reverse.

English entries match whole words (or phrases); an entry ending in ``*`` matches any word starting with it
("freez*" covers "freeze", "freezing"). Mandarin entries match as substrings; one starting with ``=`` only
matches the whole turn (punctuation aside), for one-character answers such as 是 or 不 that are everywhere
inside longer sentences.

The lexicon is generic banking and conversation vocabulary written by hand. It grew by reading the errors of
cross-validation inside the training part of bench/nlu.py's split; countries and currencies come from
lexicon.py. Turning it off is ``ClassifierConfig(concept_weight=0)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from services.voice.domain.nlu.lexicon import COUNTRIES, CURRENCIES

# fmt: off
CONCEPTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # concept: (English words and phrases, Mandarin substrings)
    "lost": (
        ("lost", "lose", "losing", "missing", "misplac*", "stolen", "steal*", "nicked", "pickpocket*", "dropped",
         "can't find", "cannot find", "disappear*", "gone"),
        ("丢", "掉了", "偷", "顺走", "不见", "遗失", "找不到", "被盗", "弄没了"),
    ),
    "damaged": (
        ("rubbed off", "broken", "broke", "damaged", "cracked", "bent", "snapped", "worn", "demagnet*", "scratched",
         "chewed", "faulty", "unreadable", "readable", "chip", "magnetic"),
        ("烂", "坏", "折了", "断了", "裂", "消磁", "磨", "读不出", "芯片", "弯了"),
    ),
    "expired": (
        ("expir*", "out of date", "renew*", "renewal"),
        ("过期", "到期", "有效期"),
    ),
    "blocked": (
        ("abnormal", "stop payment", "block*", "unblock*", "frozen", "froze", "freez*", "unfreez*", "unfreze",
         "locked", "unlock*", "restrict*", "suspend*", "on hold", "disabled", "hold"),
        ("异常", "风控", "冻", "锁", "限制", "止付", "解挂", "管控", "暂停", "停用", "解封", "解东"),
    ),
    "forgot": (
        ("forgot*", "forget*", "can't remember", "cannot remember", "don't remember", "no idea", "recover*",
         "retriev*"),
        ("忘", "想不起", "记不", "不记得", "找回"),
    ),
    "secret": (
        ("pin", "pins", "password*", "passcode", "pasword"),
        ("密码", "口令"),
    ),
    "modify": (
        ("change*", "chang*", "chnage", "update*", "modif*", "alter", "edit", "switch*", "new", "different"),
        ("改", "更新", "变更", "更换", "换"),
    ),
    "phone": (
        ("phone", "mobile", "cell", "sim", "verification code*", "codes"),
        ("号码", "手机号", "电话", "手机", "手记号", "换号", "新号", "验证码"),
    ),
    "identity": (
        ("id", "identity", "passport", "address", "name", "occupation", "details", "kyc", "birth", "information",
         "infomation", "personal"),
        ("身份证", "证件", "护照", "地址", "资料", "信息", "身分证", "改名"),
    ),
    "limit": (
        ("limit*", "cap", "ceiling", "maximum", "max"),
        ("限额", "额度", "上限", "上线", "提额", "调额"),
    ),
    "credit_card": (
        ("card bill", "card balance", "card debt", "owe money on my card", "credit card*", "credit crad",
         "cedit card", "mastercard", "platinum", "credit line", "visa card"),
        ("卡账", "信用卡", "信用咔", "心用卡", "透支", "白金卡", "附属卡"),
    ),
    "activate": (
        ("arrived", "came", "received", "start using", "for use", "in the post", "by post", "picked up", "activat*",
         "activeat*", "reactivat*", "switch on", "turn on", "enable*", "live", "first use"),
        ("寄到", "收到", "刚拿到", "首次使用", "激活", "开通", "开卡", "启用"),
    ),
    "apply": (
        ("apply", "application", "applying", "qualify"),
        ("申请", "申办"),
    ),
    "repay": (
        ("repay*", "pay off", "pay back", "paying off", "settle*", "instal*", "overpay", "prepay", "owe", "overdue",
         "minimum", "due"),
        ("还款", "还贷", "还信用", "还钱", "还清", "还房贷", "还车贷", "月供", "结清", "欠款", "还欠", "提前还", "全额还", "最低还", "还心用", "还代款",
         "还一下"),
    ),
    "loan": (
        ("loan*", "lon", "lone", "borrow*", "lending"),
        ("借给我", "质押", "贷", "借钱", "借点", "借款", "要借", "代款"),
    ),
    "home": (
        ("mortgage*", "mortage", "house", "home", "flat", "apartment", "property", "buyer", "down payment",
         "remortgage", "provident", "housing"),
        ("房贷", "买房", "房子", "房屋", "二手房", "首套", "二套", "新房", "房代", "按揭", "首付", "公积金", "住房"),
    ),
    "invest": (
        ("grow", "growing", "wealth manager", "precious", "metal*", "invest*", "fund", "funds", "wealth", "bond",
         "bonds", "gold", "returns", "yield", "stock*", "insurance product*", "adviser", "advisor", "structured",
         "managment", "management", "financial"),
        ("打理", "金条", "贵金属", "理财", "基金", "国债", "黄金", "收益", "投资", "保险", "理才", "结构性"),
    ),
    "rate": (
        ("rate", "rates", "interest", "intrest", "lpr", "apr"),
        ("便宜吗", "什么价", "划算", "利率", "利息", "利律", "汇率", "牌价", "会率", "买入价"),
    ),
    "fx": (
        ("baht", "rouble*", "ruble*", "exchange rate*", "exchange", "buying rate", "selling rate", "selling price", "buying price", "dollar*",
         "euro*", "yen", "pound*", "sterling", "hkd", "usd", "eur", "gbp", "jpy", "won", "foreign", "currency",
         "currencies", "forex", "fx", "rmb", "cny", "yuan"),
        ("泰铢", "卢布", "越南盾", "兑", "买入价", "卖出价", "现钞", "美元", "美金", "欧元", "日元", "港币", "英镑", "外币", "外汇", "韩元", "韩币", "澳元", "结汇", "购汇", "人民币"),
    ),
    "abroad": (
        ("abroad", "overseas", "international*", "intl", "cross-border", "cross border", "swift", "telegraphic",
         "outward", "outbound", "remittance"),
        ("境外", "国外", "跨境", "海外", "国际", "留学"),
    ),
    "send": (
        ("transfer*", "tranfer", "transfr", "send", "sent", "wire", "remit*", "move*"),
        ("转账", "转钱", "汇款", "汇钱", "打钱", "转给", "转到", "汇到", "转帐", "电汇", "汇一", "转一", "转五", "转点", "转个"),
    ),
    "withdraw": (
        ("withdraw*", "take out", "taking out", "cash out", "get cash", "draw cash", "pull out", "money out",
         "cardless"),
        ("取钱", "取款", "取现", "提现", "取点", "取一", "取两", "取三", "取五", "取八", "取出", "娶钱"),
    ),
    "deposit": (
        ("deposit*", "depost", "pay in", "paying in", "put cash", "put money", "lodge"),
        ("存",),
    ),
    "large": (
        ("large", "big", "huge", "lot", "thousand", "sum"),
        ("大额", "大笔", "一大", "万"),
    ),
    "book": (
        ("book*", "appointment", "apointment", "reserv*", "schedul*", "advance", "pre-book", "pre-order", "notice",
         "slot", "slots", "arrange"),
        ("预约", "预定", "登记", "提前", "约", "预越"),
    ),
    "coin": (
        ("denomination*", "corner", "coin*", "change for", "small change", "loose change", "small notes", "torn",
         "ripped", "mouldy", "burnt", "mutilated", "banknote*", "notes", "crisp", "tens", "jiao"),
        ("钢镚", "零碎", "零钱", "硬币", "残", "破了", "破钱", "破损", "新钞", "新钱", "零钞", "零錢", "整钱", "面额", "毛的"),
    ),
    "fixed_term": (
        ("certificate of deposit", "certificates of deposit", "term saving*", "month deposit", "year deposit",
         "month term", "year term", "savings plan", "fixed", "fixd", "term", "time deposit*", "matur*", "roll over",
         "cd"),
        ("死期", "年期", "三个月的", "半年的", "一年的", "两年的", "三年的", "五年的", "存一笔", "定期", "定存", "转存", "整存", "大额存单", "零存", "定其",
         "存单", "续存"),
    ),
    "proof": (
        ("prove", "proof", "certificate", "certif*", "verification", "letter", "confirming", "confirmation",
         "reference", "documentation", "embassy", "consulate", "immigration"),
        ("证明", "证名", "资信"),
    ),
    "statement": (
        ("statement*", "sttement", "statment", "print*", "paper", "hard copy", "stamp*", "passbook", "bank book",
         "seal"),
        ("打印", "流水", "对账单", "盖章", "公章", "纸质", "补登", "打出来", "刘水", "打一份", "打个对账"),
    ),
    "history": (
        ("not print", "no need to print", "on screen", "on the screen", "gone out", "went out", "came in", "go out",
         "come in", "transaction*", "trasaction", "tranaction", "history", "activity", "spent", "spend*", "purchase*",
         "payments", "charged", "movements", "record*", "debits", "incoming", "outgoing"),
        ("不用打出来", "收入支出", "支出", "屏幕", "不用打印", "不要打印", "打过钱", "扣了", "明细", "记录", "流水", "交易", "花了", "消费", "入账", "进账", "收支", "明系", "明显", "扣款",
         "扣费"),
    ),
    "balance": (
        ("my funds", "current funds", "can i spend", "balance", "ballance", "balence", "balnce", "balanse", "bal", "how much money", "how much is",
         "how much do i have", "how much have i", "how much have i got", "left", "available", "overdrawn",
         "in the red", "remaining"),
        ("钱还在", "还有几", "余额", "于额", "鱼额", "余額", "还剩", "剩多少", "还有多少钱", "结余", "余款", "剩几个钱"),
    ),
    "open": (
        ("open", "opening", "create", "register", "sign up", "set up", "start*", "acount"),
        ("开户", "开个", "开一个", "新开", "开立", "办卡", "办一张", "办张", "开张"),
    ),
    "close": (
        ("close", "closing", "closed", "clse", "cancel*", "terminat*", "shut", "de-register", "deactivat*", "get rid",
         "closure"),
        ("销户", "注销", "销掉", "消户", "销卡", "退掉", "销了"),
    ),
    "company": (
        ("business", "company", "corporate", "firm", "enterprise", "organisation", "organization", "limited",
         "partnership", "shop", "payroll", "commercial"),
        ("公司", "企业", "对公", "单位", "基本户", "一般户", "个体", "营业执照", "对工"),
    ),
    "bill": (
        ("bill", "bills", "utility", "utilities", "electric*", "eletric*", "water", "gas", "heating", "broadband",
         "internet bill", "tv", "top up my phone", "recharge", "fee", "fees", "fine", "tuition", "licence"),
        ("电费", "水费", "燃气", "煤气", "话费", "物业", "暖气", "宽带", "网费", "缴费", "交费", "学费", "罚款", "电肥", "取暖", "有线电视", "停车费",
         "手机费"),
    ),
    "social": (
        ("social security", "social insurance", "ss", "ssc", "medical card", "medical insurance"),
        ("社保", "医保", "社报"),
    ),
    "person": (
        ("mum", "mom", "mother", "dad", "father", "parents", "brother", "sister", "wife", "husband", "son",
         "daughter", "friend", "friend's", "neighbour", "neighbor", "landlord", "colleague", "cousin", "uncle",
         "aunt", "someone", "somebody", "person", "partner", "builder", "tutor"),
        ("妈", "爸", "老公", "老婆", "朋友", "儿子", "女儿", "同事", "房东", "别人", "弟弟", "哥哥", "姐姐", "妹妹", "邻居", "对方", "父母", "同学",
         "师傅", "客户"),
    ),
    "found": (
        ("found", "turned up", "remove the loss", "cancel the lost", "cancel the loss"),
        ("找到", "找回来", "解除挂失", "撤销挂失", "撤销卡的挂失", "解挂", "取消挂失"),
    ),
    "off_topic": (
        ("airport", "phone call", "weather", "rain", "snow", "hospital", "taxi", "lottery", "news", "story", "joke", "song", "sing", "movie*",
         "film", "football", "world cup", "capital", "robot", "hungry", "restaurant", "hotel", "flight",
         "train ticket*", "music", "recipe", "homework", "cook", "dance", "girlfriend", "boyfriend", "shirt",
         "clothes"),
        ("机场", "好吃", "打电话", "放首歌", "星期几", "买什么", "天气", "下雨", "下雪", "医院", "打车", "彩票", "新闻", "故事", "笑话", "唱歌", "唱首", "电影", "电视剧", "足球", "机器人", "饿", "吃饭", "饭店",
         "酒店", "机票", "火车", "音乐", "衣服", "好看", "作业", "跳舞", "外卖", "药店"),
    ),
    "pension": (
        ("pension*", "retire*", "annuity", "old age"),
        ("养老", "退休", "年金"),
    ),
    "digital": (
        ("digital", "e-cny", "ecny", "e cny", "digitl", "central bank"),
        ("数字", "数币", "数子"),
    ),
    "token": (
        ("key", "ukey", "u-key", "u key", "usb", "token", "dongle", "shield", "usbkey"),
        ("u盾", "令牌", "网银盾", "k宝", "优盾"),
    ),
    "app": (
        ("on my phone", "on the phone", "app", "mobile banking", "online banking", "internet banking",
         "phone banking", "bankng"),
        ("手机上", "手机银行", "网银", "电子银行", "网上银行", "手机银航"),
    ),
    "sms": (
        ("sms", "text", "texts", "texted", "message*", "notification*", "alert*", "notify"),
        ("短信", "提醒", "通知", "短讯"),
    ),
    "fraud": (
        ("money has disappeared", "money disappeared", "disappeared from my", "safe account", "tax office", "parcel", "police", "never been there", "pretending", "unknown charge*",
         "cheat*", "took money", "took my money", "link", "prize", "won a", "someone is using", "not me", "wasn't me",
         "taken", "money laundering", "fraud*", "scam*", "hack*", "phishing", "suspicious", "cloned", "impersonat*",
         "pretend*", "tricked", "defraud*", "fake", "unauthori*", "didn't make", "stranger", "permission"),
        ("钱不见", "钱没了", "刷走", "复制", "告诉别人", "安全账户", "自称", "检察院", "公安", "警察", "快递", "偷偷", "莫名其妙", "不明", "中奖", "链接", "不是我", "洗钱", "涉嫌", "诈骗", "骗", "盗刷",
         "冒充", "可疑", "陌生", "钓鱼", "盗用", "炸骗", "被盗"),
    ),
    "ticket": (
        ("ticket machine", "waiting number", "counter", "number please", "ticket", "queue number", "a number",
         "take a number", "line up", "in line", "the queue", "queue"),
        ("叫号", "柜台", "取号", "排号", "拿号", "个号", "排队", "取好"),
    ),
    "wait": (
        ("where am i in", "queue at", "queue up to", "when i can go", "status", "progress", "current number",
         "which number", "my ticket", "my number", "waiting time", "how long", "wait*", "ahead", "in front",
         "my turn", "called", "served", "next", "position", "longer"),
        ("人多不多", "排队的人", "快了吗", "几个号", "多少人排队", "前头", "下一个是我", "我的号", "排到", "到哪", "叫过", "号过", "多久", "几号", "轮到", "前面", "叫到", "等", "进度",
         "几个人"),
    ),
    "branch": (
        ("toilets", "hall", "floor", "self service", "self-service", "get here", "metro", "bus", "lunch",
         "phone number of the branch", "hours", "address", "where is", "where's", "nearest", "atm", "park", "parking",
         "toilet", "weekend*", "sunday", "saturday", "holidays", "open on", "open at", "close today", "what time"),
        ("怎么过来", "地铁", "开到几点", "自助", "休息", "电话多少", "怎么走", "几点", "营业", "开门", "关门", "地址", "在哪", "停车", "卫生间", "网点", "周末",
         "节假日", "下班", "几楼", "哪里", "支行"),
    ),
    "complain": (
        ("nobody", "never repl*", "bad review", "too long", "hard to use", "not nice", "raise an issue",
         "didn't agree", "fed up", "joke", "mess", "ages", "desk to desk", "not satisfied", "not happy", "not fair",
         "shouted", "ignore*", "complain*", "rude", "terrible", "awful", "unacceptable", "ridiculous", "disgrace*",
         "useless", "worst", "angry", "unhappy", "disappointed", "dissatisf*", "poor", "rip off", "unfair",
         "unprofessional", "regulator", "compensation", "feedback", "wasting", "slow", "ignored", "badly"),
        ("难听", "故障", "不修", "难用", "离谱", "推来推去", "凶", "举报这个", "怎么搞的", "效率", "没办好", "不理", "大吼", "吞卡", "没人管", "不公平",
         "凭什么", "投诉", "太差", "不满", "态度", "乱收", "生气", "差评", "不像话", "破银行", "太慢", "恶劣", "不负责", "气人", "投速", "意见", "差劲",
         "反映", "不合理", "太久"),
    ),
    "human": (
        ("send someone", "transfer me", "someone over", "person at the counter", "call security", "security guard",
         "not robot", "not a robot", "a person", "people", "human*", "staff", "agent", "manager", "employee*",
         "clerk", "teller", "operator", "real person", "member of staff", "machine"),
        ("柜台的人", "保安", "换个人", "帮帮我", "员工", "人工", "工作人员", "经理", "柜员", "真人", "叫人", "叫个人", "找人", "机器"),
    ),
    "repeat": (
        ("clearly", "speak up", "repeat", "again", "pardon", "didn't catch", "didn't hear", "couldn't hear",
         "missed that", "say that", "louder", "slower", "huh", "what did you", "what was that", "excuse me what"),
        ("声音", "太小", "再说", "没听", "重复", "再讲", "听不", "再来一遍", "大声", "说慢", "重说", "=什么", "=啥", "=what", "=what was that"),
    ),
    "yes": (
        ("that works", "why not", "yes", "yeah", "yep", "yup", "ya", "yea", "ok", "okay", "okey", "sure", "correct", "right", "confirm*",
         "fine", "agreed", "alright", "proceed", "go ahead", "exactly", "indeed", "definitely", "certainly",
         "absolutely", "of course", "affirmative", "uh huh", "mhm", "spot on", "perfect", "true", "carry on", "go on",
         "do it"),
        ("就是", "是这个", "不错", "是的", "对的", "好的", "好啊", "好吧", "好滴", "好嘞", "可以", "行吧", "确认", "确定", "没问题", "嗯", "同意", "没错", "就这样", "继续", "=是",
         "=对", "=好", "=行", "=中", "=嗯", "=ok", "对对"),
    ),
    "no": (
        ("no", "nope", "nah", "not", "don't", "cancel", "stop", "wrong", "never", "incorrect", "abort", "negative",
         "forget it", "changed my mind", "never mind", "scrap"),
        ("=没有", "不要", "不用", "不是", "不对", "不行", "否", "取消", "算了", "错了", "别办", "别转", "撤销", "不需要", "不确认", "不同意", "搞错",
         "改主意", "不想", "=不", "=停", "=错", "返回"),
    ),
    "hello": (
        ("hello", "hi", "hey", "hiya", "hullo", "helo", "howdy", "good morning", "good afternoon", "good evening",
         "good day", "morning", "afternoon", "evening", "greetings", "yo", "ni hao", "hallo", "heya"),
        ("哈罗", "大家好", "早啊", "你好", "您好", "早上好", "下午好", "晚上好", "嗨", "哈喽", "在吗", "有人吗", "中午好", "=早", "=喂"),
    ),
    "bye": (
        ("nothing else", "end", "no more questions", "bye", "goodbye", "see you", "see ya", "later", "that's all",
         "that's it", "that's everything", "done", "finished", "thank*", "thanks", "cheers", "farewell", "take care",
         "off", "leaving", "all set", "good night", "go now"),
        ("再会", "到这", "其他问题", "没有其他", "结束", "再见", "拜拜", "谢谢", "多谢", "办完", "办好了", "回见", "我走了", "先走了", "要走了", "就这些", "先这样", "没事了",
         "下次再来", "没别的"),
    ),
}
# fmt: on

SHORT_TURN_CONCEPTS = frozenset({"yes", "no", "hello", "bye", "repeat"})
"""Conversation concepts that only count in a short turn: "right" or 好 inside a long sentence is no answer."""
SHORT_TURN_MAX_TOKENS = 6
"""A short turn has at most this many tokens (Latin words plus Chinese characters)."""

_TOKEN = re.compile(r"[a-z']+|[\u3400-\u9fff]")
_PUNCTUATION = re.compile(r"[\s,.!?;:'\"，。！？；：、…~～()（）]+")


def _with_lexicons(
    concepts: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Countries other than China also mean "abroad"; currencies other than the yuan also mean "fx"."""
    extra = {
        "abroad": [w for code, words in COUNTRIES.items() if code != "CN" for w in words],
        "fx": [w for code, words in CURRENCIES.items() if code != "CNY" for w in words],
    }
    merged = dict(concepts)
    for name, words in extra.items():
        english, mandarin = merged[name]
        latin = tuple(w for w in words if re.fullmatch(r"[a-z][a-z .'-]*[a-z.]", w))
        chinese = tuple(w for w in words if re.search(r"[\u3400-\u9fff]", w))
        merged[name] = (english + latin, mandarin + chinese)
    return merged


_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_MAX_PHRASE_WORDS = 5


class _Matcher:
    """Every concept at once, by dictionary look-ups (the service trains at start, so this must be quick).

    English text is split into words (letters and apostrophes; hyphens and other marks separate words, so
    "e-cny" is the two words "e cny"); an entry matches a run of consecutive words, and an entry ending in
    ``*`` matches when its last word is the beginning of the text's word. Mandarin entries match as
    substrings of the text; entries starting with ``=`` only as the whole turn without punctuation.
    """

    def __init__(self, concepts: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        self.tokens = tuple(f"concept_{name}" for name in concepts)
        self.short_only = frozenset(i for i, name in enumerate(concepts) if name in SHORT_TURN_CONCEPTS)
        self.words: dict[str, set[int]] = {}
        self.prefixes: dict[str, set[int]] = {}
        self.substrings: dict[str, set[int]] = {}
        self.whole: dict[str, set[int]] = {}
        for index, (english, mandarin) in enumerate(concepts.values()):
            for entry in english:
                key = " ".join(_LATIN_WORD.findall(entry.replace("-", " ")))
                if not key or any(c.isdigit() for c in entry):
                    raise ValueError(f"English concept entry {entry!r} must be letters (digits are folded to 0)")
                table = self.prefixes if entry.endswith("*") else self.words
                table.setdefault(key, set()).add(index)
            for entry in mandarin:
                table = self.whole if entry.startswith("=") else self.substrings
                table.setdefault(entry.removeprefix("="), set()).add(index)
        self.last_word_lengths = sorted({len(k.rsplit(" ", 1)[-1]) for k in self.prefixes})
        self.substring_lengths = sorted({len(k) for k in self.substrings})
        self.substring_starts = frozenset(k[0] for k in self.substrings)

    def find(self, text: str) -> set[int]:
        found: set[int] = set()
        bare = _PUNCTUATION.sub("", text)
        if bare in self.whole:
            found |= self.whole[bare]
        words = _LATIN_WORD.findall(text.replace("-", " "))
        for first in range(len(words)):
            for count in range(1, min(_MAX_PHRASE_WORDS, len(words) - first) + 1):
                lead = " ".join(words[first : first + count - 1])
                last = words[first + count - 1]
                phrase = f"{lead} {last}" if lead else last
                hit = self.words.get(phrase) or self.words.get(phrase.removesuffix("'s"))
                if hit:
                    found |= hit
                for length in self.last_word_lengths:
                    if length > len(last):
                        break
                    key = f"{lead} {last[:length]}" if lead else last[:length]
                    hit = self.prefixes.get(key)
                    if hit:
                        found |= hit
        for start, char in enumerate(text):
            if char not in self.substring_starts:
                continue
            for length in self.substring_lengths:
                hit = self.substrings.get(text[start : start + length])
                if hit:
                    found |= hit
        return found


_MATCHER = _Matcher(_with_lexicons(CONCEPTS))


def covers_word(word: str) -> bool:
    """True when a single word (Latin, lower case) is in the English lexicon of some concept."""
    matcher = _MATCHER
    if word in matcher.words:
        return True
    return any(word[:length] in matcher.prefixes for length in matcher.last_word_lengths if length <= len(word))


def concept_tokens(normalised_text: str) -> list[str]:
    """The concept tokens of a normalised (lower-case) turn, each at most once, in lexicon order."""
    matcher = _MATCHER
    found = matcher.find(normalised_text)
    if found & matcher.short_only and len(_TOKEN.findall(normalised_text)) > SHORT_TURN_MAX_TOKENS:
        found -= matcher.short_only
    return [matcher.tokens[i] for i in sorted(found)]
