"""The hotline's phone line: incoming calls through Twilio, the duty roster, the caller log, cases opened from a call."""
