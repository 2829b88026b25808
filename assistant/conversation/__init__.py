"""The conversation: sessions, turns, routing between understanding, journeys, knowledge and humans."""
