// Worker-thread entry of the import pool: one file per task.
import sharp from 'sharp';
import { analyseFile } from './analyse-file';

// The pool runs one worker per core; each keeps libvips to one thread so they do not oversubscribe.
sharp.concurrency(1);
sharp.cache(false);

export default analyseFile;
