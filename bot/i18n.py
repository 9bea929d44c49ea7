"""Every sentence a user reads, in Chinese and English, and the choice between the two.

The index returns data (:class:`index.Page`, :class:`index.NotFound`); the words around it are here,
so an English-speaking user reads English only and a Chinese-speaking one Chinese only.
"""

from __future__ import annotations

import html

from index import NotFound, Reason

# How many of the people holding a role a "not quoted" note names.
MENTIONS_SHOWN = 3


def language(code: str | None) -> str:
    """``en`` for users whose Telegram language is English, else ``zh``: the articles are Chinese."""
    return "en" if code and code.lower().startswith("en") else "zh"


TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "intro": "我是 QuoteBot：问我关于下面这些新闻文章的问题，我只用原文回答，逐字引用，注明出处。",
        "knows": "我现在知道的文章：",
        "knows_nothing": "我现在还没有收录任何文章。",
        "more_articles": "……还有 {n} 篇",
        "how": (
            "怎么问：\n"
            "• 私聊：直接发问题，比如“某某说了什么？”\n"
            "• 群里：/ask 问题，回复我的消息，或者 @{bot} 问题\n"
            "• 任何聊天里：输入 @{bot} 问题，从弹出的结果里选一条\n"
            "答案下面的按钮：“更多”看后面的结果，“上下文”看整段原文。"
        ),
        "admin_help": "管理员：发文件（.txt、.md、.html、.docx、.pdf）或网页链接添加文章；/articles 列表，"
        "/remove 编号 删除，/reload 重建索引，/stats 统计。",
        "not_found": "抱歉，我收录的文章里没有能回答“{question}”的原文。",
        "hint": "我知道的是：{titles}。换个说法，或者问问这些文章里的内容吧。",
        "empty": "请在命令后面写上问题，比如：/ask 某某说了什么？",
        "empty_private": "请直接发问题给我，比如：某某说了什么？",
        "too_long": "问题太长了（最多 {n} 个字）。请问得短一点。",
        "no_words": "我只看得懂文字问题，请用文字问我。",
        "unsupported": "我只看得懂文字问题，图片、贴纸和语音我看不了。请用文字问我。",
        "unknown_command": "我不认识这个命令。发 /help 看看怎么问我。",
        "rate_limited": "你问得太快了，请 {seconds} 秒后再问。",
        "error": "抱歉，出了点问题，请稍后再试。",
        "not_allowed": "抱歉，这个机器人只在指定的聊天里使用。",
        "admins_only": "抱歉，只有管理员可以这样做。",
        "more": "更多",
        "context": "上下文",
        "no_more": "没有更多结果了。",
        "expired": "这个按钮已经失效了，请重新提问。",
        "gone": "这篇文章已经不在索引里了。",
        "paragraph": "第 {n} 段",
        "upload_type": "我只能添加 {kinds} 文件，“{name}”不是。",
        "upload_size": "文件太大了：{size} MB，上限是 {limit} MB。",
        "upload_empty": "这个文件是空的。",
        "upload_added": "已添加《{title}》（编号 {id}）：{sections} 节，{chunks} 段可检索的文字。",
        "upload_sections": "小节：{names}",
        "upload_unchanged": "《{title}》已经在索引里了，内容没有变化。",
        "upload_failed": "没能添加“{name}”：{reason}",
        "upload_nothing": "这个文件里没有找到可以添加的文章。",
        "busy": "正在更新索引，请稍候……",
        "articles_none": "索引里还没有文章。",
        "articles_line": "• <code>{id}</code> 《{title}》 {sections} 节，{chunks} 段",
        "remove_usage": "用法：/remove 文章编号（/articles 里可以看到编号）",
        "removed": "已删除《{title}》（{id}）。",
        "removed_file": "它的文件已改名为 {name}，/reload 不会再加入它；改回原名即可恢复。",
        "removed_kept": "它的文件不在文章文件夹里，或还包含别的文章，所以原样保留：/reload 会把它加回来。",
        "remove_unknown": "没有编号为 {id} 的文章，/articles 里可以看到所有编号。",
        "reloaded": "索引已重建：{articles} 篇文章，{chunks} 段文字，新嵌入 {embedded} 段。",
        "reload_failed": "有 {n} 个文件没能加载：",
        "reload_refused": "索引没有重建：文章文件夹里只有 {found} 篇可读的文章，索引里却有 {indexed} 篇。"
        "请先补上缺少的文件。",
        "stats": "文章：{articles}\n可检索的文字段：{chunks}\n运行时间：{uptime}\n回答的问题：{questions}",
        "stats_more": "索引版本：{generation}\n答复“太忙”：{busy}\n没能送达的消息：{dropped}",
        "inline_nothing": "没有找到能回答这个问题的原文",
        "terminal_not_found": "没有找到能回答这个问题的原文。",
        "note_role_not_held": "索引中没有人担任{asked}，也没有{asked}的讲话。",
        "note_not_quoted": "索引中没有{asked}的讲话被引用（{mentions}，但没有引述其讲话）。",
        "note_not_mentioned": "索引中的文章没有提到{asked}，也没有{asked}的讲话。",
        "note_mention": "{who}见于《{title}》",
        "too_long_note": "问题太长了，请问得短一点。",
        "busy_try_again": "现在问的人太多了，请过几秒再问一次。",
        "busy_inline": "现在太忙了，请稍后再试",
        "still_working": "正在处理你上一次的点击，请稍候。",
        "voted": "谢谢你的反馈！",
        "upload_download_failed": "没能下载“{name}”，请再发一次。",
        "reload_error": "索引没有重建：{reason}",
        "article_how": "直接发问题问我这篇文章的内容，比如“《{title}》里谁说了什么？”我会逐字引用原文回答。",
        "source_link": "原文",
        "also_in": "又见",
        "link_busy": "正在读取链接，请稍候……",
        "link_added": "已添加《{title}》（{about}，编号 {id}）：{chunks} 段可检索的文字。",
        "link_undated": "日期不详",
        "link_failed": "没能添加这个链接：{reason}",
        "link_nothing": "这个链接里没有找到可以添加的文章。",
        "cmd_start": "开始使用，看看我知道什么",
        "cmd_help": "怎么问我",
        "cmd_ask": "提问：/ask 问题",
        "cmd_articles": "（管理员）列出文章",
        "cmd_remove": "（管理员）删除文章",
        "cmd_reload": "（管理员）重建索引",
        "cmd_stats": "（管理员）统计",
    },
    "en": {
        "intro": "I am QuoteBot: ask me about the news articles below and I answer by quoting them "
        "word for word, with the source.",
        "knows": "The articles I know:",
        "knows_nothing": "I do not know any articles yet.",
        "more_articles": "… and {n} more",
        "how": (
            "How to ask:\n"
            "• In a private chat: just send your question (the articles are in Chinese, so are the "
            "best questions)\n"
            "• In a group: /ask question, reply to one of my messages, or @{bot} question\n"
            "• In any chat: type @{bot} question and pick a result\n"
            "Buttons under an answer: “More” shows further results, “Context” the whole paragraph."
        ),
        "admin_help": "Admins: send a .txt, .md, .html, .docx or .pdf file, or a link to a web page, to add an "
        "article; /articles lists them, /remove ID removes one, /reload rebuilds the index, /stats shows counts.",
        "not_found": "Sorry, no passage of the articles I know answers “{question}”.",
        "hint": "I know about: {titles}. Try other words, or ask about these articles.",
        "empty": "Please put your question after the command: /ask, then your question (the articles are "
        "Chinese, so Chinese questions work best).",
        "empty_private": "Please send me a question in words.",
        "too_long": "That question is too long (at most {n} characters). Please ask a shorter one.",
        "no_words": "I can only read questions written in words.",
        "unsupported": "I can only read text: pictures, stickers and voice messages are lost on me. "
        "Please ask in words.",
        "unknown_command": "I do not know that command. Send /help to see how to ask me.",
        "rate_limited": "You are asking faster than I can answer: please wait {seconds} s.",
        "error": "Sorry, something went wrong; please try again later.",
        "not_allowed": "Sorry, this bot serves only the chats it was set up for.",
        "admins_only": "Sorry, only the bot's admins can do that.",
        "more": "More",
        "context": "Context",
        "no_more": "There are no more results.",
        "expired": "This button has expired; please ask again.",
        "gone": "That article is no longer in the index.",
        "paragraph": "paragraph {n}",
        "upload_type": "I can add {kinds} files, and “{name}” is none of them.",
        "upload_size": "That file is too big: {size} MB, and the limit is {limit} MB.",
        "upload_empty": "That file is empty.",
        "upload_added": "Added “{title}” (id {id}): {sections} sections, {chunks} searchable passages.",
        "upload_sections": "Sections: {names}",
        "upload_unchanged": "“{title}” is already in the index, unchanged.",
        "upload_failed": "Could not add “{name}”: {reason}",
        "upload_nothing": "No article was found in that file.",
        "busy": "Updating the index, one moment…",
        "articles_none": "The index holds no articles yet.",
        "articles_line": "• <code>{id}</code> “{title}”: {sections} sections, {chunks} passages",
        "remove_usage": "Usage: /remove ARTICLE_ID (/articles shows the ids)",
        "removed": "Removed “{title}” ({id}).",
        "removed_file": "Its file is now named {name}, which /reload skips; rename it back to restore it.",
        "removed_kept": "Its file lies outside the articles folder or holds other articles, so it stays: "
        "/reload would add the article back.",
        "remove_unknown": "There is no article with id {id}; /articles shows them all.",
        "reloaded": "Index rebuilt: {articles} articles, {chunks} passages, {embedded} newly embedded.",
        "reload_failed": "{n} files could not be loaded:",
        "reload_refused": "The index was not rebuilt: the articles folder holds {found} readable articles, "
        "the index {indexed}. Add the missing files first.",
        "stats": "Articles: {articles}\nPassages: {chunks}\nUptime: {uptime}\nQuestions answered: {questions}",
        "stats_more": "Index generation: {generation}\nAnswered “busy”: {busy}\nMessages not delivered: {dropped}",
        "inline_nothing": "No passage answers this question",
        "terminal_not_found": "Nothing in the indexed articles answers this.",
        "note_role_not_held": "Nobody in the indexed articles is {asked}, and no words of a {asked} are quoted.",
        "note_not_quoted": "The articles mention {asked} ({mentions}) but never quote them.",
        "note_not_mentioned": "The indexed articles never mention {asked}, and quote no words of theirs.",
        "note_mention": "{who} in “{title}”",
        "too_long_note": "That question is too long; please ask a shorter one.",
        "busy_try_again": "Too many questions at once right now; please ask again in a few seconds.",
        "busy_inline": "Busy right now; please try again in a moment",
        "still_working": "Still working on your last press; one moment.",
        "voted": "Thanks for the feedback!",
        "upload_download_failed": "Could not download “{name}”; please send it again.",
        "reload_error": "The index was not rebuilt: {reason}",
        "article_how": "Ask me about “{title}” in a message, and I answer by quoting it word for word.",
        "source_link": "source",
        "also_in": "Also in",
        "link_busy": "Fetching the link, one moment…",
        "link_added": "Added “{title}” ({about}, id {id}): {chunks} searchable passages.",
        "link_undated": "date unknown",
        "link_failed": "Could not add that link: {reason}",
        "link_nothing": "No article was found at that link.",
        "cmd_start": "Start, and see what I know",
        "cmd_help": "How to ask me",
        "cmd_ask": "Ask: /ask question",
        "cmd_articles": "(admins) List the articles",
        "cmd_remove": "(admins) Remove an article",
        "cmd_reload": "(admins) Rebuild the index",
        "cmd_stats": "(admins) Counts and uptime",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    """A user-facing sentence; values are escaped, since most sentences end up in HTML messages."""
    escaped = {k: html.escape(str(v), quote=False) for k, v in values.items()}
    return TEXTS.get(lang, TEXTS["zh"])[key].format(**escaped)


def not_found_note(answer: NotFound, lang: str) -> str | None:
    """What to say besides "not found": who holds the role asked about, and that they are not quoted.

    Plain text (not escaped): the caller escapes it for HTML.
    """
    table = TEXTS.get(lang, TEXTS["zh"])
    asked = answer.asked or ""
    if answer.reason is Reason.ROLE_NOT_HELD:
        return table["note_role_not_held"].format(asked=asked)
    if answer.reason is Reason.NOT_MENTIONED:
        return table["note_not_mentioned"].format(asked=asked)
    if answer.reason is Reason.PERSON_NOT_QUOTED:
        shown = answer.mentions[:MENTIONS_SHOWN]
        separator = "；" if lang == "zh" else "; "
        mentions = separator.join(table["note_mention"].format(who=f"{m.role}{m.name}", title=m.title) for m in shown)
        return table["note_not_quoted"].format(asked=asked, mentions=mentions)
    if answer.reason is Reason.NO_MORE:
        return table["no_more"]
    if answer.reason is Reason.TOO_LONG:
        return table["too_long_note"]
    return None
