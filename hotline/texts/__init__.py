"""Incoming texts through Twilio (POST /twilio/sms) and the admin simulator of an incoming text."""
