"""Place names a document's region is read from: provinces, prefecture-level cities, Hong Kong,
Macau and Taiwan's cities, and the central bodies whose documents cover the whole country.

A region is taken only where it names one of these (or a district or county right after one),
so a stray character in front (`号深圳市`) or a phrase that merely ends in 市 (`超大城市`) is
never a region.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Province-level divisions, by the name a document uses before 省委/人民政府.
PROVINCES = ("北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 江西省 山东省 河南省 "
             "湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省 台湾省 内蒙古自治区 广西壮族自治区 "
             "西藏自治区 宁夏回族自治区 新疆维吾尔自治区").split()
# Prefecture-level cities and prefectures (the four municipalities are above).
CITIES = (
    "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 "
    "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 "
    "盘锦 铁岭 朝阳 葫芦岛 长春 吉林 四平 辽源 通化 白山 松原 白城 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 "
    "七台河 牡丹江 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 "
    "绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 "
    "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 "
    "淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 "
    "濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 长沙 "
    "株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 "
    "惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 "
    "河池 来宾 崇左 海口 三亚 三沙 儋州 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 "
    "雅安 巴中 资阳 贵阳 六盘水 遵义 安顺 毕节 铜仁 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 拉萨 日喀则 昌都 林芝 山南 "
    "那曲 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 "
    "陇南 西宁 海东 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密"
).split()
PREFECTURES = ("延边朝鲜族自治州 恩施土家族苗族自治州 湘西土家族苗族自治州 阿坝藏族羌族自治州 甘孜藏族自治州 凉山彝族自治州 "
               "黔西南布依族苗族自治州 黔东南苗族侗族自治州 黔南布依族苗族自治州 楚雄彝族自治州 红河哈尼族彝族自治州 "
               "文山壮族苗族自治州 西双版纳傣族自治州 大理白族自治州 德宏傣族景颇族自治州 怒江傈僳族自治州 迪庆藏族自治州 "
               "临夏回族自治州 甘南藏族自治州 海北藏族自治州 黄南藏族自治州 海南藏族自治州 果洛藏族自治州 玉树藏族自治州 "
               "海西蒙古族藏族自治州 昌吉回族自治州 博尔塔拉蒙古自治州 巴音郭楞蒙古自治州 克孜勒苏柯尔克孜自治州 伊犁哈萨克自治州 "
               "大兴安岭地区 阿里地区 阿克苏地区 喀什地区 和田地区 塔城地区 阿勒泰地区 兴安盟 锡林郭勒盟 阿拉善盟").split()
TAIWAN_CITIES = ("台北市 新北市 桃园市 台中市 台南市 高雄市 基隆市 新竹市 嘉义市 新竹县 苗栗县 彰化县 南投县 云林县 嘉义县 "
                 "屏东县 宜兰县 花莲县 台东县 澎湖县 金门县 连江县").split()
HONG_KONG = "香港特别行政区"
MACAU = "澳门特别行政区"
TAIWAN = "台湾"
NATIONWIDE = "全国"
# Bodies of the Hong Kong and Macau governments a text names in passing (运输署, 立法会, 行政长官).
_HONG_KONG_MARKS = re.compile(r"香港特别行政区|香港特区|运输署|路政署|屋宇署|地政总署|立法会|行政长官|政务司|财政司|"
                              r"特区政府|香港警务处|区议会|新界|九龙")
_MACAU_MARKS = re.compile(r"澳门特别行政区|澳门特区|澳门")
_TAIWAN_MARKS = re.compile(r"行政院|立法院|中华民国|民国\s*\d{2,3}\s*年|新台币|县市政府")
# Central bodies: their documents apply to the whole country.
_CENTRAL = re.compile(
    r"^(中共中央|中央办公厅|国务院|全国人民代表大会|全国人大|中华人民共和国|国家[\u4e00-\u9fff]{1,10}(委员会|委|局|署|总局)|"
    r"(外交|国防|教育|科学技术|科技|工业和信息化|公安|民政|司法|财政|人力资源和?社会保障|自然资源|生态环境|住房和?城乡建设|"
    r"交通运输|水利|农业农村|商务|文化和旅游|退役军人事务|应急管理|审计)部|中国人民银行|海关总署|市场监管总局|国家统计局)"
)
_ORG_AFTER = r"(?:委|人民政府|政府|委员会|人大|办公厅|办公室|党委|[\u4e00-\u9fff]{0,8}?(?:局|厅|委|办|部|中心))"


@lru_cache(maxsize=1)
def _place_re() -> re.Pattern:
    names = PROVINCES + [f"{c}市" for c in CITIES] + PREFECTURES + TAIWAN_CITIES
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


def _district_after(text: str, end: int) -> str:
    """`区` or `县` that follows a city directly (`温州市鹿城区人民政府` → `鹿城区`)."""
    m = re.match(rf"([\u4e00-\u9fff]{{1,4}}?(?:区|县|旗|市))(?={_ORG_AFTER}|$|\s)", text[end:])
    if not m or m.group(1) in ("市区", "城区", "全区", "本区", "各区", "全县", "本市", "全市", "县区", "区县"):
        return ""
    return m.group(1)


def place_in(text: str | None) -> str | None:
    """The first province, city (with its district, if one follows) or Taiwan city named in `text`."""
    if not text:
        return None
    m = _place_re().search(text)
    if not m:
        return None
    return m.group(0) + _district_after(text, m.end())


def special_region(*texts: str | None) -> str | None:
    """Hong Kong, Macau or Taiwan, when the issuer, title or text says so."""
    joined = " ".join(t for t in texts if t)
    if not joined:
        return None
    for city in TAIWAN_CITIES:
        if city in joined and _TAIWAN_MARKS.search(joined) or joined.startswith(city):
            return city
    if _TAIWAN_MARKS.search(joined):
        return TAIWAN
    if len(_HONG_KONG_MARKS.findall(joined)) >= 2 or "香港特别行政区" in joined:
        return HONG_KONG
    if _MACAU_MARKS.search(joined) and "澳门特别行政区" in joined:
        return MACAU
    return None


def is_central(issuer: str | None) -> bool:
    """Whether a document comes from a central body (国务院, 国务院办公厅, a ministry)."""
    return bool(issuer and _CENTRAL.match(issuer.strip()))


def count_places(text: str) -> list[tuple[str, int]]:
    """Places named in `text` before 委/人民政府/…, most named first: the region of a headless text."""
    counts: dict[str, int] = {}
    for m in _place_re().finditer(text):
        if re.match(_ORG_AFTER, text[m.end():m.end() + 10]):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])
