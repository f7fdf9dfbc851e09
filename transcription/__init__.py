from callscore.transcription.whisper import ChannelTranscript, speech_chunks, transcribe_channel

__all__ = ["ChannelTranscript", "speech_chunks", "transcribe_channel"]
