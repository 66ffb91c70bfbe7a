"""The async SDK: a client that builds events and sends them to a sink, with a sync facade."""
