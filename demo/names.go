package demo

import "cifp/org"

// The word lists of the synthetic Lishui. Public institutions have their real
// names; every enterprise, the platform operator and the verifiers are made up.
// Addresses, people, phone numbers and USCCs are synthetic for every
// organisation.

// institution is one fixed, non-enterprise organisation.
type institution struct {
	key      string // how the loader refers to it (users, tests)
	kind     org.Kind
	name     string
	industry string // GB/T 4754-2017; dropped if the platform's table lacks it
	division string
	dept     byte // USCC 登记管理部门: '1' 机构编制, '9' 市场监管
	class    byte // USCC 机构类别: for '1': '1' 机关, '2' 事业单位; for '9': '1' 企业
}

// institutions are created first, in this order.
var institutions = []institution{
	{"platform", org.KindPlatform, "丽水市气候投融资数智平台运营中心", "65", "331100", '1', '2'},

	// Government agencies. 9225 经济事务管理机构, 9224 社会事务管理机构 (incl.
	// environmental protection). The central bank (6610 中央银行服务) and the
	// supervisor (6650 银行监管服务) have classes the platform's table lacks, so
	// they carry their division 66 货币金融服务.
	{"jrb", org.KindAgency, "丽水市人民政府金融工作办公室", "9225", "331100", '1', '1'},
	{"pbc", org.KindAgency, "中国人民银行丽水市分行", "66", "331100", '1', '1'},
	{"nfra", org.KindAgency, "国家金融监督管理总局丽水监管分局", "66", "331100", '1', '1'},
	{"eco", org.KindAgency, "丽水市生态环境局", "9224", "331100", '1', '1'},
	{"ndrc", org.KindAgency, "丽水市发展和改革委员会", "9225", "331100", '1', '1'},
	{"stats", org.KindAgency, "丽水市统计局", "9225", "331100", '1', '1'},

	// Banks (6621 商业银行服务).
	{"abc", org.KindBank, "中国农业银行股份有限公司丽水分行", "6621", "331100", '9', '1'},
	{"icbc", org.KindBank, "中国工商银行股份有限公司丽水分行", "6621", "331100", '9', '1'},
	{"ccb", org.KindBank, "中国建设银行股份有限公司丽水分行", "6621", "331100", '9', '1'},
	{"boc", org.KindBank, "中国银行股份有限公司丽水市分行", "6621", "331100", '9', '1'},
	{"rcb", org.KindBank, "浙江丽水莲都农村商业银行股份有限公司", "6621", "331102", '9', '1'},
	{"tailong", org.KindBank, "浙江泰隆商业银行股份有限公司丽水分行", "6621", "331100", '9', '1'},
	{"chouzhou", org.KindBank, "浙江稠州商业银行股份有限公司丽水分行", "6621", "331100", '9', '1'},
	{"village", org.KindBank, "浙江景宁银座村镇银行股份有限公司", "6621", "331127", '9', '1'},

	// Insurers (6820 财产保险).
	{"picc", org.KindInsurer, "中国人民财产保险股份有限公司丽水市分公司", "6820", "331100", '9', '1'},
	{"cpic", org.KindInsurer, "中国太平洋财产保险股份有限公司丽水中心支公司", "6820", "331100", '9', '1'},
	{"pingan", org.KindInsurer, "中国平安财产保险股份有限公司丽水中心支公司", "6820", "331100", '9', '1'},

	// Verifiers (synthetic): 7452 检测服务, 7455 认证认可服务.
	{"verifier", org.KindVerifier, "浙江绿碳核查技术服务有限公司", "7452", "331102", '9', '1'},
	{"verifier2", org.KindVerifier, "丽水市碳衡认证技术有限公司", "7455", "331102", '9', '1'},
}

// The first enterprise, the one the "enterprise" demo user belongs to: a
// Jinyun valve maker.
const (
	firstEnterpriseName     = "缙云县恒达阀门制造有限公司"
	firstEnterpriseCounty   = "331122"
	firstEnterpriseIndustry = "3443"
	firstEnterpriseTown     = "壶镇镇"
)

// showcase are the (county, industry) pairs of enterprises 2, 3, … so that
// even a small demo has every county, the local specialities and the
// high-carbon industries. The rest are drawn by weight.
var showcase = []struct{ county, industry string }{
	{"331102", "3972"}, // 莲都 开发区 semiconductors
	{"331121", "2431"}, // 青田 stone carving
	{"331181", "3074"}, // 龙泉 celadon
	{"331125", "2459"}, // 云和 wooden toys
	{"331124", "1530"}, // 松阳 tea
	{"331123", "2221"}, // 遂昌 paper
	{"331126", "0142"}, // 庆元 mushrooms
	{"331127", "4413"}, // 景宁 hydropower
	{"331102", "3011"}, // cement
	{"331102", "3071"}, // building ceramics
	{"331102", "2651"}, // synthetic resins
	{"331123", "2614"}, // organic chemicals
	{"331102", "4411"}, // thermal power
	{"331181", "3324"}, // 龙泉 swords
	{"331102", "2710"}, // pharmaceuticals
	{"331124", "4416"}, // solar
}

// highCarbon are the industry classes the demo must contain: the high-carbon
// base of Lishui's economy.
var highCarbon = []string{"3011", "3071", "2614", "2651", "2221", "4411", "4413", "4416"}

// weighted is one industry of a county and its relative number of enterprises.
type weighted struct {
	industry string
	weight   int
}

// county is one of Lishui's nine county-level divisions as the generator sees it.
type county struct {
	code     string
	weight   int      // relative economic size: share of the enterprises
	prefixes []string // how company names start: full name, short name
	full     string   // how addresses start
	towns    []string // 街道, 镇 and 乡
	// zone, when not empty, is an industrial zone whose address replaces the
	// town for zoneShare percent of the county's manufacturers.
	zone       string
	zoneShare  int
	industries []weighted
}

// counties are Lishui's nine county-level divisions with their industries.
// Weights follow economic size: 莲都 (with the 丽水经济技术开发区), 缙云 and
// 青田 are the largest, 景宁 and 庆元 the smallest.
var counties = []county{
	{
		code: "331102", weight: 25, prefixes: []string{"丽水市", "丽水"}, full: "丽水市莲都区",
		towns: []string{"紫金街道", "岩泉街道", "万象街道", "白云街道", "联城街道", "南明山街道", "碧湖镇", "大港头镇", "雅溪镇", "老竹畲族镇"},
		zone:  "丽水经济技术开发区", zoneShare: 60,
		industries: []weighted{
			{"3972", 8}, {"3973", 5}, {"3985", 4}, {"3981", 3}, {"3841", 3}, {"3825", 3},
			{"2710", 4}, {"2720", 4}, {"2740", 2},
			{"1819", 3}, {"1811", 1}, {"1952", 2},
			{"2651", 5}, {"2614", 3}, {"3011", 1}, {"3071", 1}, {"3130", 2}, {"2221", 1},
			{"3443", 2}, {"3670", 3}, {"2110", 2},
			{"4411", 1}, {"4412", 1}, {"4430", 1}, {"4413", 2}, {"4416", 3},
			{"1530", 1}, {"0141", 1},
		},
	},
	{
		code: "331121", weight: 15, prefixes: []string{"青田县", "青田"}, full: "青田县",
		towns: []string{"鹤城街道", "瓯南街道", "油竹街道", "温溪镇", "船寮镇", "山口镇", "仁庄镇", "东源镇", "海口镇", "腊口镇"},
		industries: []weighted{
			{"2431", 10}, {"3130", 5}, {"3443", 5}, {"1952", 3}, {"1819", 2},
			{"3071", 1}, {"2614", 2}, {"3011", 1}, {"2221", 1},
			{"4413", 4}, {"4416", 2}, {"1530", 1}, {"1512", 1},
		},
	},
	{
		code: "331122", weight: 17, prefixes: []string{"缙云县", "缙云"}, full: "缙云县",
		towns: []string{"五云街道", "新碧街道", "仙都街道", "壶镇镇", "新建镇", "东渡镇", "东方镇", "舒洪镇", "大洋镇", "七里乡"},
		industries: []weighted{
			{"3443", 10}, {"3451", 6}, {"3670", 8}, {"3831", 5}, {"3130", 2}, {"3324", 1},
			{"1811", 2}, {"3011", 1}, {"3071", 1}, {"2110", 1},
			{"4413", 1}, {"4416", 2}, {"4412", 1}, {"1530", 1}, {"1512", 1}, {"0141", 1},
		},
	},
	{
		code: "331123", weight: 8, prefixes: []string{"遂昌县", "遂昌"}, full: "遂昌县",
		towns: []string{"妙高街道", "云峰街道", "金竹镇", "大柘镇", "北界镇", "石练镇", "王村口镇", "湖山乡", "新路湾镇"},
		industries: []weighted{
			{"1530", 5}, {"0164", 2}, {"2011", 3}, {"2041", 4}, {"2110", 2}, {"3130", 2},
			{"2614", 2}, {"3011", 1}, {"2221", 2}, {"4413", 5}, {"4416", 1}, {"2740", 1},
		},
	},
	{
		code: "331124", weight: 8, prefixes: []string{"松阳县", "松阳"}, full: "松阳县",
		towns: []string{"西屏街道", "水南街道", "望松街道", "古市镇", "象溪镇", "大东坝镇", "新兴镇", "赤寿乡", "玉岩镇"},
		industries: []weighted{
			{"1530", 8}, {"0164", 4}, {"3130", 5}, {"2221", 1}, {"4413", 2}, {"4416", 2},
			{"2740", 1}, {"2011", 1}, {"1512", 1},
		},
	},
	{
		code: "331125", weight: 6, prefixes: []string{"云和县", "云和"}, full: "云和县",
		towns: []string{"浮云街道", "白龙山街道", "凤凰山街道", "元和街道", "崇头镇", "紧水滩镇", "石塘镇", "雾溪畲族乡"},
		industries: []weighted{
			{"2459", 14}, {"2110", 2}, {"2011", 2}, {"4413", 4}, {"4416", 1}, {"1530", 1}, {"0142", 1}, {"3071", 1},
		},
	},
	{
		code: "331126", weight: 5, prefixes: []string{"庆元县", "庆元"}, full: "庆元县",
		towns: []string{"松源街道", "濛洲街道", "屏都街道", "黄田镇", "竹口镇", "荷地镇", "左溪镇", "百山祖镇", "淤上乡"},
		industries: []weighted{
			{"0142", 5}, {"2041", 5}, {"2011", 4}, {"2110", 2}, {"4413", 4}, {"1530", 1}, {"4417", 1}, {"1512", 1},
		},
	},
	{
		code: "331127", weight: 5, prefixes: []string{"景宁畲族自治县", "景宁"}, full: "景宁畲族自治县",
		towns: []string{"红星街道", "鹤溪街道", "沙湾镇", "渤海镇", "东坑镇", "英川镇", "大均乡", "澄照乡", "梧桐乡"},
		industries: []weighted{
			{"4413", 6}, {"1530", 5}, {"0164", 2}, {"2011", 2}, {"2041", 1}, {"2740", 1}, {"1512", 1}, {"0142", 1}, {"4416", 1},
		},
	},
	{
		code: "331181", weight: 11, prefixes: []string{"龙泉市", "龙泉"}, full: "龙泉市",
		towns: []string{"龙渊街道", "西街街道", "剑池街道", "塔石街道", "八都镇", "上垟镇", "小梅镇", "查田镇", "安仁镇", "锦溪镇", "宝溪乡"},
		industries: []weighted{
			{"3074", 8}, {"3075", 4}, {"3324", 8}, {"3670", 6}, {"2011", 3}, {"2041", 3}, {"2110", 2},
			{"2221", 1}, {"3011", 1}, {"4413", 5}, {"4416", 1}, {"0142", 2}, {"1530", 1},
		},
	},
}

// industryWords are the trade words of company names, by industry class.
var industryWords = map[string][]string{
	"0141": {"农业开发", "果蔬", "生态农业", "蔬菜专业"},
	"0142": {"食用菌", "菇业", "香菇", "菌业", "食用菌开发"},
	"0164": {"生态茶园", "茶叶开发", "茶园", "生态农业"},
	"1512": {"酒业", "酿酒", "酿造", "酒业发展"},
	"1530": {"茶业", "茶叶", "茶业科技", "茶叶发展", "名茶"},
	"1811": {"运动服饰", "运动用品", "户外用品"},
	"1819": {"服饰", "服装", "制衣", "时装"},
	"1952": {"鞋业", "皮鞋", "制鞋"},
	"2011": {"木业", "木材加工", "木制品"},
	"2041": {"竹业", "竹木制品", "竹制品", "竹艺", "竹业科技"},
	"2110": {"家具", "家居", "家私", "木业家具"},
	"2221": {"纸业", "造纸", "特种纸", "纸品"},
	"2431": {"石雕", "石雕艺术", "石艺", "印石工艺", "石雕工艺品"},
	"2459": {"玩具", "木制玩具", "益智玩具", "工艺玩具", "教玩具"},
	"2614": {"化工", "化学", "精细化工", "化工科技"},
	"2651": {"新材料", "树脂", "合成材料", "高分子材料"},
	"2710": {"药业", "制药", "原料药", "生物医药"},
	"2720": {"药业", "制药", "医药", "生物制药"},
	"2740": {"中药", "国药", "本草", "中药科技"},
	"3011": {"水泥", "建材", "水泥建材"},
	"3071": {"建筑陶瓷", "瓷砖", "陶瓷", "墙地砖"},
	"3074": {"瓷业", "青瓷", "陶瓷", "青瓷文化"},
	"3075": {"青瓷艺术", "陶瓷艺术", "窑业", "瓷艺"},
	"3130": {"不锈钢", "钢管", "不锈钢管业", "金属材料", "特钢"},
	"3324": {"剑业", "宝剑", "刀剑", "刀剑制品", "剑铺"},
	"3443": {"阀门制造", "阀门", "阀业", "流体设备", "阀门管件"},
	"3451": {"轴承", "轴承制造", "精密轴承", "传动部件"},
	"3670": {"汽车零部件", "汽配", "汽车部件", "车辆配件", "汽车空调配件"},
	"3825": {"光伏科技", "光伏设备", "新能源科技"},
	"3831": {"电线电缆", "线缆", "电缆", "电工线材"},
	"3841": {"锂电", "新能源电池", "电池科技", "储能科技"},
	"3972": {"半导体", "半导体器件", "功率器件", "微电子"},
	"3973": {"集成电路", "芯片", "微电子", "芯片科技"},
	"3981": {"电子元件", "电子科技", "电容器"},
	"3985": {"电子材料", "半导体材料", "电子新材料"},
	"4411": {"发电", "火力发电", "能源"},
	"4412": {"热电", "热电联产", "能源"},
	"4413": {"水电开发", "水力发电", "水电", "水电站"},
	"4415": {"风电", "风力发电"},
	"4416": {"光伏发电", "新能源", "太阳能发电", "光伏电力"},
	"4417": {"生物质能源", "生物质发电", "再生能源"},
	"4430": {"热力", "供热", "能源"},
}

// industryBrands are brand words typical of one industry, used beside the
// general ones.
var industryBrands = map[string][]string{
	"2459": {"木韵", "童趣", "木趣", "乐童", "木语", "森童", "童乐", "木玩"},
	"3074": {"青瓷坊", "哥窑", "弟窑", "梅子青", "粉青", "瓷韵", "青韵", "瓯窑"},
	"3075": {"哥窑", "弟窑", "梅子青", "粉青", "瓷韵", "窑火"},
	"3324": {"龙渊", "剑池", "青锋", "七星", "秦溪", "剑韵"},
	"2431": {"石韵", "封门", "灯光冻", "石趣", "山口", "印雕"},
	"1530": {"银猴", "惠明", "龙谷", "茶香", "云雾", "高山", "翠峰"},
	"0164": {"银猴", "惠明", "云雾", "高山", "翠峰"},
	"0142": {"菇乡", "香菇", "百山", "菇源", "山珍"},
	"4413": {"瓯江", "小溪", "龙泉溪", "松阴溪", "大溪", "好溪", "英川", "滩坑", "紧水滩"},
}

// brandFirst and brandSecond make the general brand words: one character of
// each, e.g. 恒 + 达.
var (
	brandFirst = []rune("恒华鑫盛泰宏兴瑞丰金天永新嘉佳昌达隆凯博创正诚信德和康安利宝锦荣富祥鼎汇东远明志亿万顺捷润晟铭卓俊航")
	// brandSecond is shorter so that combinations stay idiomatic.
	brandSecond = []rune("达源泰盛通丰瑞力宇发兴昌成洋阳科鑫辉业邦鸿程远星诚信利康华恒峰威腾翔宏立德润祥美安")
)

// placeBrands are brand words from Lishui's places and landscapes.
var placeBrands = []string{"绿谷", "瓯江", "括苍", "仙都", "南明", "白云", "龙渊", "山水", "秀山", "丽阳",
	"云峰", "凤凰", "百山", "畲乡", "瓯越", "万象", "紫金", "碧湖", "处州", "栝苍", "好溪", "松阴", "浙南", "青山"}

// roads are street names for addresses.
var roads = []string{"工业路", "兴业路", "创业大道", "新园路", "环城路", "人民路", "府前路", "中山路", "解放街",
	"园区路", "东升路", "振兴路", "发展大道", "科技路", "聚贤路", "富民路", "花园路", "五一路", "建设路", "城北路",
	"城南路", "滨江路", "迎宾大道", "致远路", "长寿路", "康宁路", "明珠路", "绿谷大道", "望江路", "新华路"}

// cityRoads are streets of county towns, for the offices of institutions.
var cityRoads = []string{"中山街", "解放街", "人民街", "丽阳街", "继光街", "大众街", "括苍路", "紫金路", "花园路",
	"灯塔街", "府前路", "城北路", "人民路", "迎宾大道"}

// villages are village names for rural addresses (hydropower, tea gardens, …).
var villages = []string{"大坑", "岭头", "上洋", "下湾", "石门", "溪口", "坑口", "黄坛", "东坑", "西坑", "岩下",
	"山后", "塘头", "梅岭", "竹坪", "桃源", "高坪", "外舍", "内坑", "双溪", "垟头", "大岭", "石坑", "源头", "后山"}

// ruralIndustries have village addresses.
var ruralIndustries = map[string]bool{"0141": true, "0142": true, "0164": true, "4413": true, "4415": true, "4416": true}

// surnames are common surnames of Lishui (叶 is frequent; 蓝, 雷 and 钟 are
// 畲族 surnames, common in 景宁), repeated by rough frequency.
var surnames = []string{
	"叶", "叶", "叶", "陈", "陈", "陈", "王", "王", "李", "李", "张", "张", "吴", "吴", "周", "徐", "徐", "刘",
	"杨", "林", "林", "潘", "朱", "胡", "何", "郑", "金", "应", "季", "吕", "章", "毛", "项", "鲍", "蓝", "雷",
	"钟", "梅", "程", "蒋", "沈", "赵", "黄", "孙", "杜", "柳", "谢", "傅", "曾", "邱", "廖", "汤", "丁", "施",
}

// givenChars make given names of one or two characters.
var givenChars = []rune("建国伟华明军平文志勇强杰涛斌波辉刚健俊峰磊超鹏飞亮宇浩晨海东林松荣新春秋敏静丽燕芳娟霞红英玲萍琴婷雪莉慧颖佳洁倩瑶欣梅兰晓利德成永福金良忠龙云彬凯琳娜")

// mobilePrefixes are the first three digits of mobile numbers.
var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189"}
