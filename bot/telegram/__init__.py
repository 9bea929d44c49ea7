"""QuoteBot on Telegram, one module per concern.

    context      the typed bot_data every handler shares, and the handler context type
    sending      sending and editing with the HTML→plain fallback, retries and counted drops
    addressing   who asked, in which language, where to reply, and whether a group message is for us
    questions    questions, /start deep links and the answer's buttons
    inline       inline mode
    buttons      更多, 上下文 and 👍/👎, each routed by its callback-data pattern
    admin        uploads and the admin commands
    workload     bounded concurrent search, per-chat order, de-duplicated button presses
    application  builds the Application and registers the handlers
    lifecycle    start-up with retries, polling or the webhook server, clean shutdown
"""
