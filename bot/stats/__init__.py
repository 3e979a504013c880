"""Participation maths: replies, participants, streaks and digest figures from plain values.

Pure like ``bot/content`` and ``bot/render``: no discord, no database. The caller reads a
server's posted lessons and their replies from the store into the records of
:mod:`bot.stats.records`, and these modules count; so the counting is tested by the table.
"""
