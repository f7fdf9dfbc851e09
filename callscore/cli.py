"""The `callscore` command."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from callscore.settings import Settings

EPILOG = """examples:
  callscore score recordings/ --out results/            score every call in a folder
  callscore score call.wav --out results/ --channels agent=1,customer=0
  callscore transcribe call.mp3 --out transcripts/ --mono --speakers 2
  callscore score exported/call-0042.json --out results/   score a transcript (callscore, WhisperX,
                                                           Amazon Transcribe JSON or 'Agent: ...' text)
  callscore evaluate --labels corpus/ --results results/
"""


TRANSCRIPTS_HELP = ("recordings (wav, flac, ogg, mp3, ...), transcripts (.json from callscore, WhisperX or Amazon "
                    "Transcribe; .txt lines 'Agent: ...'), or folders of them")


def _audio_options(parser: argparse.ArgumentParser, transcripts: bool = False) -> None:
    group = parser.add_argument_group("audio and transcription")
    group.add_argument("inputs", nargs="+", metavar="AUDIO_OR_DIR", help=TRANSCRIPTS_HELP if transcripts else
                       "recordings (wav, flac, ogg, mp3, ...) or folders of them")
    group.add_argument("--out", required=True, type=_out_folder, help="folder for <call_id>.json (created if missing)")
    group.add_argument("--model", dest="asr_model", help="speech model: tiny.en (default, fast, English), "
                       "base (multilingual), or a folder with a CTranslate2 Whisper model")
    group.add_argument("--language", help="language of the calls: en, ms, id, zh, ur, uk... (default: a sidecar's "
                       "'language', else the scorecard's; 'auto' detects, unreliable on phone audio)")
    layout = group.add_mutually_exclusive_group()
    layout.add_argument("--channels", help="which stereo channel is who: agent=0,customer=1, or auto (default: "
                        "decide from what each side says, channel 0 = agent when unsure)")
    layout.add_argument("--mono", action="store_true", default=None,
                        help="mix stereo down and separate the voices by speaker recognition")
    group.add_argument("--speakers", type=int, help="exact number of voices in a mono call (default 2)")
    group.add_argument("--min-speakers", type=int, dest="min_speakers", help="fewest voices in a mono call")
    group.add_argument("--max-speakers", type=int, dest="max_speakers", help="most voices in a mono call")
    group.add_argument("--allow-partial", action="store_true", default=None, dest="allow_partial",
                       help="score recordings cut short (shorter than their header says) instead of refusing them; "
                            "their results carry the flag 'truncated'")


def _out_folder(value: str) -> Path:
    """--out is checked when the command line is read: finding out after scoring an hour of calls that the
    results cannot be written (and blaming the recording) wastes the hour."""
    out = Path(value)
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = value if existing == out else f"{value}: {existing}"
        raise argparse.ArgumentTypeError(f"{where} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{value}: no permission to write in {existing}")
    return out


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: getattr(args, k, None) for k in
                 ("asr_model", "channels", "mono", "speakers", "min_speakers", "max_speakers", "allow_partial")}
    if getattr(args, "language", None):
        overrides["language"] = args.language
    if getattr(args, "scorecard", None):
        overrides["scorecard"] = args.scorecard
    return Settings.from_env(**overrides)


def cmd_transcribe(args: argparse.Namespace) -> int:
    from callscore.batch import expand, run_batch
    from callscore.pipeline.score import transcribe_call, write_json

    from callscore import languages
    from callscore.models import scorecards

    settings = _settings(args)
    paths = expand(args.inputs)
    card_language = scorecards.load(settings.scorecard).language  # the calls' language when nothing else says

    def work(path: Path) -> None:
        record = transcribe_call(path, languages.for_call(settings, card_language, languages.sidecar_language(path)))
        write_json(args.out / f"{record.call_id}.json", record.to_json())
        (args.out / f"{record.call_id}.rttm").write_text(record.rttm())
        if len(paths) == 1:
            for turn in record.turns:
                if turn.text:
                    print(f"[{turn.start:7.2f}-{turn.end:7.2f}] {turn.speaker:>8}: {turn.text}")

    return _finish(run_batch(paths, work, "transcribing"), len(paths))


def cmd_score(args: argparse.Namespace) -> int:
    from callscore.batch import expand, run_batch
    from callscore.models import scorecards
    from callscore.pipeline import result as results
    from callscore.pipeline.score import score_call, write_json

    settings = _settings(args)
    card = scorecards.load(settings.scorecard)
    paths = expand(args.inputs, transcripts=True)

    def work(path: Path) -> None:
        result = score_call(path, settings, card)
        write_json(args.out / f"{result['call_id']}.json", result)
        if len(paths) == 1:
            print(results.summary(result))

    return _finish(run_batch(paths, work, "scoring"), len(paths))


def _finish(summary, count: int) -> int:
    if count == 0:
        print("error: no recordings found", file=sys.stderr)
        return 1
    if count > 1 or summary.failed:
        print(summary.report(), file=sys.stderr)
    return 1 if summary.failed else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from callscore.pipeline.evaluate import evaluate_folder, render

    report = evaluate_folder(args.labels, args.results)
    print(json.dumps(report, indent=1) if args.format == "json" else render(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callscore", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Score recorded contact-centre calls against a QA scorecard, with evidence "
                    "(timestamps and quotes) a QA monitor can confirm.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("transcribe", help="who said what, when: transcript JSON + RTTM per call",
                            description="Transcribe calls and label each turn agent or customer.")
    _audio_options(p)
    p.set_defaults(run=cmd_transcribe)

    p = commands.add_parser("score", help="score calls against a scorecard (provisional, for review)",
                            description="Transcribe and score calls (or score transcripts made elsewhere); "
                                        "writes callscore.result/1 JSON per call.")
    _audio_options(p, transcripts=True)
    p.add_argument("--scorecard", type=Path, help="scorecard YAML (default scorecards/default.yaml)")
    p.set_defaults(run=cmd_score)

    p = commands.add_parser("evaluate", help="compare results with labelled calls (F1, dead air, roles, DER)")
    p.add_argument("--labels", required=True, type=Path, help="folder of callscore.labels/1 JSON files")
    p.add_argument("--results", required=True, type=Path, help="folder of result JSON from `callscore score`")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=cmd_evaluate)

    from callscore.analytics import cli as analytics_cli
    from callscore.flows import cli as flow_cli
    from callscore.models import training
    from callscore.review import cli as review_cli

    training.add_parser(commands)
    flow_cli.add_parsers(commands)
    review_cli.add_parsers(commands)
    analytics_cli.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as error:  # bad scorecard, bad option: one line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
