from callscore.transcription.whisper import ChannelTranscript, speech_chunks, transcribe_channel, transcribe_span

__all__ = ["ChannelTranscript", "speech_chunks", "transcribe_channel", "transcribe_span"]
