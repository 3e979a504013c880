"""Discord's message and embed limits: the one place the numbers live.

Source: Discord's API documentation, "Embed Limits" and "Create Message".
"""

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER_TEXT = 2048
EMBED_AUTHOR_NAME = 256
EMBED_TOTAL = 6000  # across all embeds of one message
EMBEDS_PER_MESSAGE = 10
MESSAGE_CONTENT = 2000
THREAD_NAME = 100
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
