"""The packaged scorecards (YAML files a QA lead writes): package data, read by callscore.settings.SCORECARDS."""
