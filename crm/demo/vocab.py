"""Word lists for the demo data set: names, products, assets, ticket subjects."""

# (surname, pinyin, weight): the commonest surnames, roughly by frequency.
SURNAMES = [
    ("王", "wang", 72), ("李", "li", 71), ("张", "zhang", 68), ("刘", "liu", 54),
    ("陈", "chen", 46), ("杨", "yang", 31), ("黄", "huang", 25), ("赵", "zhao", 23),
    ("吴", "wu", 21), ("周", "zhou", 21), ("徐", "xu", 15), ("孙", "sun", 15),
    ("马", "ma", 14), ("朱", "zhu", 13), ("胡", "hu", 12), ("郭", "guo", 11),
    ("何", "he", 10), ("林", "lin", 10), ("高", "gao", 10), ("罗", "luo", 9),
    ("郑", "zheng", 9), ("梁", "liang", 8), ("谢", "xie", 7), ("宋", "song", 6),
    ("唐", "tang", 6), ("许", "xu", 6), ("韩", "han", 6), ("邓", "deng", 6),
    ("冯", "feng", 6), ("曹", "cao", 5), ("彭", "peng", 5), ("曾", "zeng", 5),
    ("肖", "xiao", 5), ("田", "tian", 4), ("董", "dong", 4), ("潘", "pan", 4),
    ("袁", "yuan", 4), ("蔡", "cai", 4), ("蒋", "jiang", 4), ("余", "yu", 4),
    ("叶", "ye", 3), ("杜", "du", 3), ("苏", "su", 3), ("魏", "wei", 3),
    ("程", "cheng", 3), ("吕", "lv", 3), ("丁", "ding", 3), ("沈", "shen", 3),
    ("欧阳", "ouyang", 1), ("司马", "sima", 1),
]

GIVEN_CHARS = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("文", "wen"), ("婷", "ting"), ("欣", "xin"), ("宇", "yu"), ("浩", "hao"),
    ("子", "zi"), ("涵", "han"), ("梓", "zi"), ("轩", "xuan"), ("思", "si"),
    ("雨", "yu"), ("晨", "chen"), ("一", "yi"), ("诺", "nuo"), ("嘉", "jia"),
    ("博", "bo"), ("佳", "jia"), ("琪", "qi"), ("俊", "jun"), ("怡", "yi"),
]

FIRST_NAMES = [
    "James", "Olivia", "Oliver", "Emma", "William", "Amelia", "Jack", "Isla",
    "Noah", "Ava", "George", "Mia", "Harry", "Sophia", "Thomas", "Grace",
    "Daniel", "Chloe", "Michael", "Emily", "David", "Lily", "Ethan", "Zoe",
    "Lucas", "Hannah", "Samuel", "Ella", "Benjamin", "Charlotte",
]
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
    "Green", "Hall", "Wood", "Clarke", "Lee", "Wong", "Tan", "Chan", "Martin",
    "Garcia", "Miller", "Anderson", "Clark", "Lewis",
]

# (category slug, [(Chinese name, English name, median price in CNY)]).
CATALOGUE = [
    ("phones", [
        ("智能手机", "Smartphone", 3999), ("无线耳机", "Earbuds", 699),
        ("智能手表", "Smartwatch", 1499), ("平板电脑", "Tablet", 2999),
        ("充电宝", "Power Bank", 149),
    ]),
    ("home-appliances", [
        ("空调", "Air Conditioner", 3299), ("净水器", "Water Purifier", 1899),
        ("洗衣机", "Washing Machine", 2599), ("空气净化器", "Air Purifier", 1299),
        ("扫地机器人", "Robot Vacuum", 1999),
    ]),
    ("car-care", [
        ("机油套装", "Engine Oil Kit", 399), ("行车记录仪", "Dash Cam", 459),
        ("车载吸尘器", "Car Vacuum", 199), ("轮胎", "Tyre", 699),
    ]),
    ("beauty", [
        ("精华液", "Serum", 329), ("面霜", "Face Cream", 259),
        ("防晒霜", "Sunscreen", 129), ("口红", "Lipstick", 199),
    ]),
    ("apparel", [
        ("羽绒服", "Down Jacket", 899), ("跑步鞋", "Running Shoes", 599),
        ("T恤", "T-shirt", 99), ("牛仔裤", "Jeans", 299),
    ]),
    ("food", [
        ("龙井茶", "Longjing Tea", 268), ("坚果礼盒", "Nut Gift Box", 158),
        ("咖啡豆", "Coffee Beans", 89), ("月饼礼盒", "Mooncake Box", 228),
    ]),
    ("baby", [
        ("婴儿奶粉", "Infant Formula", 328), ("纸尿裤", "Nappies", 149),
        ("婴儿推车", "Pushchair", 1599),
    ]),
]
MODEL_SUFFIXES = ["", " Pro", " Lite", " Max", " 2", " S", " Plus", " Mini"]

COUPONS = [("WELCOME10", 0.10), ("SPRING20", 0.20), ("DOUBLE11", 0.15),
           ("618SALE", 0.12), ("VIP50", 0.05)]
CONSENT_SOURCES = ["signup_form", "pos", "mobile_app", "hotline", "wechat_mini_program"]
WITHDRAW_SOURCES = {"sms": "sms_reply_TD", "email": "unsubscribe_link"}

# (kind, name, service interval in days)
VEHICLES = [
    ("vehicle", "比亚迪 汉 EV", 365), ("vehicle", "大众 朗逸", 180),
    ("vehicle", "Toyota Camry", 180), ("vehicle", "Tesla Model 3", 365),
    ("vehicle", "理想 L7", 365), ("vehicle", "本田 雅阁", 180),
]
APPLIANCES = [
    ("appliance", "格力空调 KFR-35", 180), ("appliance", "美的净水器 MRO", 90),
    ("appliance", "海尔洗衣机 EG100", 365), ("appliance", "Dyson V15", 365),
    ("appliance", "小米空气净化器 4", 120),
]

TICKET_SUBJECTS = {
    "zh-hans": ["订单未收到", "申请退货", "发票问题", "安装预约", "产品故障",
                "会员积分查询", "修改收货地址", "保养预约"],
    "en": ["Order not received", "Return request", "Invoice question",
           "Installation appointment", "Product fault", "Loyalty points",
           "Change delivery address", "Service booking"],
}
AGENTS = ["王芳", "李娜", "张伟", "陈静", "Emma Clark", "Tom Lee"]

# (time zone, weight) for Chinese-name and English-name customers.
ZONES_CN = [("Asia/Shanghai", 86), ("Asia/Hong_Kong", 7), ("Asia/Singapore", 5),
            ("Europe/London", 1), ("America/Los_Angeles", 1)]
ZONES_EN = [("Europe/London", 40), ("America/Los_Angeles", 25), ("Asia/Singapore", 15),
            ("Asia/Hong_Kong", 10), ("Asia/Shanghai", 10)]
CN_MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139",
                      "150", "151", "152", "155", "156", "157", "158", "159", "166",
                      "177", "180", "181", "182", "183", "185", "186", "187", "188",
                      "189", "199"]
