"""Custom actions, one small module per job. The action server loads every module here.

Data access and outside clients live outside the actions (bot.settings, bot.nlp.catalog,
bot.content, bot.bookings) so they can be tested on their own.
"""
