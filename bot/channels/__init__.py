"""Chat channels with our input checks: every channel (REST, socket.io, and messaging
channels added later) passes each message through :mod:`bot.channels.gate` first."""
