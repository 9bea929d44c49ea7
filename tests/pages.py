"""News pages, feeds and documents written for the tests (made-up text in the shape of real portals)."""

from __future__ import annotations

PARAGRAPHS = [
    "新华社青岛5月14日电（记者 王小明）胶东经济圈一体化发展工作推进会议14日在青岛召开，五市负责人围绕交通、产业和公共服务合作进行了深入交流。",
    "会议指出，要加快推进基础设施互联互通，推动港口、机场和轨道交通统筹规划建设，让五市之间的往来更加便捷高效，为区域协同发展打下坚实基础。",
    "烟台市负责人表示，烟台将主动对接青岛的先进制造业和现代服务业，在海洋经济、新能源和生物医药等领域开展更多合作，共同培育具有国际竞争力的产业集群。",
    "威海市负责人说，威海与青岛合作基础扎实，下一步将在文旅融合、港口物流和人才交流方面深化合作，推动合作项目尽快落地见效。",
]
SUBHEADING = "产业协同成为重点"
LAST = "会议要求，各市要细化任务清单，明确时间节点，确保各项合作事项按期推进，年底前形成一批可复制可推广的经验。"
TITLE = "胶东五市共商一体化发展 交通产业合作提速"
FURNITURE = [
    "首页", "新闻中心", "分享到：", "字号：", "举报", "责任编辑：李四", "【打印本页】", "【关闭窗口】",
    "相关新闻", "某地举办春季运动会", "网友评论", "版权所有", "鲁ICP备12345678号", "扫描二维码关注示例日报微信公众号",
]


def portal_page(charset_meta: str = "utf-8") -> str:
    """A portal article page: navigation, share and font widgets, an editor line, related news, comments."""
    body = "".join(f"<p>{text}</p>" for text in PARAGRAPHS[:2])
    body += f"<p><strong>{SUBHEADING}</strong></p>"
    body += "<p class='caption'>▲会议现场。示例日报记者 张三 摄</p>"
    body += "".join(f"<p>{text}</p>" for text in PARAGRAPHS[2:])
    body += f"<p>{LAST}</p><p class='editor'>责任编辑：李四</p>"
    related = "".join(
        f"<li><a href='/news/{i}.html'>{headline}</a></li>"
        for i, headline in enumerate(["某地举办春季运动会", "另一座城市的地铁新线开通", "第三条无关新闻的标题在这里"])
    )
    return f"""<!DOCTYPE html><html><head><meta charset="{charset_meta}">
<title>{TITLE}_示例日报网</title><meta property="og:site_name" content="示例日报网"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news">新闻中心</a> <a href="/sports">体育</a></div>
<div class="article">
<h1>{TITLE}</h1>
<div class="info">发布时间：2024-05-14 09:05 来源：示例日报</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> 字号：<a href="#">大</a> <a href="#">中</a>
<a href="#">小</a> <a href="#">举报</a></div>
<div class="content">{body}</div>
<div class="tools">【<a href="javascript:print()">打印本页</a>】【<a href="javascript:close()">关闭窗口</a>】</div>
</div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="comments"><h3>网友评论</h3><p>网友甲：59分钟前 说得好 回复 举报</p></div>
<div class="footer"><p>版权所有 示例日报社 鲁ICP备12345678号</p><p>扫描二维码关注示例日报微信公众号</p></div>
</body></html>"""


def small_site_page() -> str:
    """A small site: no <h1>, a <title> that only names the site, the headline in a plain div."""
    paragraphs = "".join(f"<p>{text}</p>" for text in PARAGRAPHS[1:3])
    return f"""<html><head><meta charset="utf-8"><title>新闻动态--某市协会官网</title></head><body>
<div class="menu"><a href="/">首页</a> <a href="/about">协会简介</a> <a href="/news">新闻动态</a></div>
<div class="where">当前位置：首页 &gt; 新闻动态</div>
<div class="headline">某市协会召开年度工作会议</div>
<div class="meta">发布日期：2023-11-02 浏览次数：128</div>
<div class="text">{paragraphs}</div>
<div class="foot">地址：某市某区某路1号 电话：0000-1234567</div>
</body></html>"""


PASTED_TEXT = """长江大桥夜间施工期间部分车道封闭

发布时间：2024-10-04 08:30  来源：长江网
字号：A- A A+
举报

长江网10月4日讯（记者陈智 整合）记者从市交通部门获悉，长江大桥将于本月中旬起进行夜间维护施工，施工期间部分车道将临时封闭。

交通部门提醒，过江车辆可提前规划路线，选择其他桥梁或隧道通行，并留意现场的交通指示标志。

责任编辑：王五
【打印】【关闭】
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>示例日报</title><link>{base}/</link>
{items}
</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>{date}</pubDate></item>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>示例日报</title><id>urn:example:feed</id>
<entry><title>第一篇</title><link rel="alternate" href="/a/1.html"/><id>urn:example:1</id>
<published>2024-05-14T08:00:00+08:00</published></entry>
<entry><title>第二篇</title><link href="https://example.invalid/a/2.html"/><id>urn:example:2</id>
<updated>2024-05-15T23:30:00Z</updated></entry>
<entry><title>没有链接的条目</title><id>urn:example:3</id></entry>
</feed>"""
