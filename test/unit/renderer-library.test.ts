import { describe, expect, it } from 'vitest';
import { HAM10000_CLASSES, HPA_LABELS, taskSpecFor, type ImportErrorKind } from '../../src/shared/domain';
import { importErrorText, labelBadge } from '../../src/renderer/src/lib/library/badges';
import { CONFIRM_ABOVE, confirmQuestion, gradeForDigit, gradedMessage, undoneMessage } from '../../src/renderer/src/lib/library/bulk-grade';
import {
  CELL_HEIGHT,
  CELL_WIDTH,
  columnsFor,
  movedFocus,
  rowCountFor,
  rowSlots,
  scrollToShow,
  visibleRows,
} from '../../src/renderer/src/lib/library/geometry';

const drGrade = taskSpecFor('dr-grade');
const dermoscopy = taskSpecFor('multiclass', HAM10000_CLASSES);
const microscopy = taskSpecFor('multilabel', HPA_LABELS);

describe('library grid geometry', () => {
  it('fits as many whole 176 px cells as the width allows, and never fewer than one column', () => {
    expect(CELL_WIDTH).toBe(176);
    expect(CELL_HEIGHT).toBe(204);
    expect(columnsFor(0)).toBe(1);
    expect(columnsFor(175)).toBe(1);
    expect(columnsFor(351)).toBe(1);
    expect(columnsFor(352)).toBe(2);
    expect(columnsFor(1000)).toBe(5);
    expect(columnsFor(1056)).toBe(6);
  });

  it('counts a partial last row as a row', () => {
    expect(rowCountFor(0, 5)).toBe(0);
    expect(rowCountFor(1, 5)).toBe(1);
    expect(rowCountFor(10, 5)).toBe(2);
    expect(rowCountFor(11, 5)).toBe(3);
    expect(rowCountFor(100_000, 7)).toBe(14_286);
  });

  describe('visible rows', () => {
    it('renders the rows on screen plus two rows of overscan below at the top of the grid', () => {
      // 408 px show rows 0 and 1 exactly.
      expect(visibleRows(0, 408, 100)).toEqual({ first: 0, last: 3 });
      // 410 px show a sliver of row 2 as well.
      expect(visibleRows(0, 410, 100)).toEqual({ first: 0, last: 4 });
    });

    it('adds two rows of overscan above and below when scrolled into the middle', () => {
      // 1000..1408 px shows rows 4 (816..1020) to 6 (1224..1428).
      expect(visibleRows(1000, 408, 100)).toEqual({ first: 2, last: 8 });
      // Scrolled exactly to row 10's top with room for 3 rows: rows 10..12.
      expect(visibleRows(10 * CELL_HEIGHT, 3 * CELL_HEIGHT, 100)).toEqual({ first: 8, last: 14 });
    });

    it('stops at the last row of the grid', () => {
      expect(visibleRows(19 * CELL_HEIGHT, 2 * CELL_HEIGHT, 20)).toEqual({ first: 17, last: 19 });
      expect(visibleRows(0, 2000, 3)).toEqual({ first: 0, last: 2 });
    });

    it('is empty for an empty grid', () => {
      const { first, last } = visibleRows(0, 600, 0);
      expect(last).toBeLessThan(first);
    });

    it('renders only the overscan while the viewport has no height yet', () => {
      expect(visibleRows(0, 0, 10)).toEqual({ first: 0, last: 1 });
    });
  });

  describe('scroll to show a row', () => {
    it('leaves the scroll alone when the row is fully in view', () => {
      expect(scrollToShow(0, 0, 600)).toBeNull();
      expect(scrollToShow(2, 0, 612)).toBeNull();
      expect(scrollToShow(5, 5 * CELL_HEIGHT, CELL_HEIGHT)).toBeNull();
    });

    it('scrolls up so that a row above the viewport sits at the top', () => {
      expect(scrollToShow(3, 700, 600)).toBe(3 * CELL_HEIGHT);
      // Partly hidden above counts as out of view.
      expect(scrollToShow(3, 3 * CELL_HEIGHT + 1, 600)).toBe(3 * CELL_HEIGHT);
    });

    it('scrolls down so that a row below the viewport sits at the bottom', () => {
      // Row 2 ends at 612 px; a 600 px viewport needs scrollTop 12.
      expect(scrollToShow(2, 0, 600)).toBe(12);
      expect(scrollToShow(10, 0, 600)).toBe(11 * CELL_HEIGHT - 600);
    });

    it('shows the bottom of a row taller than the viewport when scrolling down to it', () => {
      expect(scrollToShow(0, 0, 100)).toBe(CELL_HEIGHT - 100);
      expect(scrollToShow(1, 0, 100)).toBe(2 * CELL_HEIGHT - 100);
    });
  });

  describe('focus movement', () => {
    // 11 images in 5 columns: rows 0–4, 5–9 and a partial last row holding only 10.
    const columns = 5;
    const total = 11;
    const move = (key: string, index: number, rowsPerPage = 2) => movedFocus(key, index, columns, total, rowsPerPage);

    it('moves left and right through the reading order, wrapping to the next row and stopping at the ends', () => {
      expect(move('ArrowRight', 3)).toBe(4);
      expect(move('ArrowRight', 4)).toBe(5);
      expect(move('ArrowLeft', 5)).toBe(4);
      expect(move('ArrowLeft', 0)).toBe(0);
      expect(move('ArrowRight', 10)).toBe(10);
    });

    it('moves up a row in the same column and stays put in the first row', () => {
      expect(move('ArrowUp', 10)).toBe(5);
      expect(move('ArrowUp', 7)).toBe(2);
      expect(move('ArrowUp', 3)).toBe(3);
    });

    it('moves down a row in the same column when that cell exists', () => {
      expect(move('ArrowDown', 2)).toBe(7);
      expect(move('ArrowDown', 5)).toBe(10);
    });

    it('moves down from the last full row to the last image when the partial row has no cell below', () => {
      expect(move('ArrowDown', 7)).toBe(10);
      expect(move('ArrowDown', 9)).toBe(10);
    });

    it('stays put on ArrowDown in the last row', () => {
      expect(move('ArrowDown', 10)).toBe(10);
      // A full last row: 10 images in 5 columns.
      expect(movedFocus('ArrowDown', 7, 5, 10, 2)).toBe(7);
    });

    it('jumps to the first and the last image with Home and End', () => {
      expect(move('Home', 8)).toBe(0);
      expect(move('End', 2)).toBe(10);
      expect(move('End', 10)).toBe(10);
    });

    it('moves a page of rows up in the same column, and to the first row of that column near the top', () => {
      expect(move('PageUp', 10, 2)).toBe(0);
      expect(move('PageUp', 10, 1)).toBe(5);
      expect(move('PageUp', 7, 2)).toBe(2);
      expect(move('PageUp', 8, 1)).toBe(3);
      expect(move('PageUp', 3, 1)).toBe(3);
    });

    it('moves a page of rows down, and to the last image when the page runs past it', () => {
      expect(move('PageDown', 0, 1)).toBe(5);
      expect(move('PageDown', 0, 2)).toBe(10);
      expect(move('PageDown', 3, 2)).toBe(10);
      expect(move('PageDown', 8, 1)).toBe(10);
      expect(move('PageDown', 10, 1)).toBe(10);
    });

    it('works in a single column', () => {
      expect(movedFocus('ArrowDown', 0, 1, 3, 1)).toBe(1);
      expect(movedFocus('ArrowDown', 2, 1, 3, 1)).toBe(2);
      expect(movedFocus('ArrowUp', 0, 1, 3, 1)).toBe(0);
      expect(movedFocus('PageDown', 0, 1, 3, 5)).toBe(2);
    });

    it('ignores keys that do not navigate, and every key in an empty grid', () => {
      expect(move('Enter', 3)).toBeNull();
      expect(move(' ', 3)).toBeNull();
      expect(move('a', 3)).toBeNull();
      expect(movedFocus('ArrowDown', 0, 5, 0, 2)).toBeNull();
      expect(movedFocus('Home', 0, 5, 0, 2)).toBeNull();
      expect(movedFocus('End', 0, 5, 0, 2)).toBeNull();
    });
  });
});

describe('label badges', () => {
  it('shows nothing for an unlabelled image', () => {
    expect(labelBadge(drGrade, null)).toBeNull();
    expect(labelBadge(dermoscopy, null)).toBeNull();
    expect(labelBadge(microscopy, null)).toBeNull();
  });

  it('shows a DR grade as its digit, coloured by grade, with the grade name in the title', () => {
    expect(labelBadge(drGrade, 0)).toEqual({ text: '0', title: 'Grade 0: No DR', grade: 0 });
    expect(labelBadge(drGrade, 2)).toEqual({ text: '2', title: 'Grade 2: Moderate NPDR', grade: 2 });
    expect(labelBadge(drGrade, 4)).toEqual({ text: '4', title: 'Grade 4: Proliferative DR', grade: 4 });
  });

  it('shows a multiclass label by its class name, without a grade colour', () => {
    expect(labelBadge(dermoscopy, 0)).toEqual({ text: 'akiec', title: 'Class: akiec', grade: null });
    expect(labelBadge(dermoscopy, 4)).toEqual({ text: 'mel', title: 'Class: mel', grade: null });
  });

  it('falls back to the number for a class the project does not name', () => {
    expect(labelBadge(dermoscopy, 9)).toEqual({ text: '9', title: 'Class: 9', grade: null });
  });

  it('shows an empty multilabel set as "none"', () => {
    expect(labelBadge(microscopy, [])).toEqual({ text: 'none', title: 'Labelled: none of the labels', grade: null });
  });

  it('always shows a single multilabel name, however long', () => {
    expect(labelBadge(microscopy, [0])).toEqual({ text: 'Nucleoplasm', title: 'Labels: Nucleoplasm', grade: null });
    expect(labelBadge(microscopy, [3])).toEqual({
      text: 'Nucleoli fibrillar center',
      title: 'Labels: Nucleoli fibrillar center',
      grade: null,
    });
  });

  it('shows several multilabel names while they fit in 14 characters, otherwise their count', () => {
    const short = taskSpecFor('multilabel', ['abcdef', 'ghijkl', 'ghijklm', 'x']);
    expect(labelBadge(short, [0, 1])).toEqual({ text: 'abcdef, ghijkl', title: 'Labels: abcdef, ghijkl', grade: null });
    expect(labelBadge(short, [0, 2])).toEqual({ text: '2 labels', title: 'Labels: abcdef, ghijklm', grade: null });
    expect(labelBadge(microscopy, [0, 2, 25])).toEqual({
      text: '3 labels',
      title: 'Labels: Nucleoplasm, Nucleoli, Cytosol',
      grade: null,
    });
  });

  it('names each import error in words a user can act on', () => {
    const expected: Record<ImportErrorKind, string> = {
      'empty-file': 'Empty file',
      'not-an-image': 'Not an image',
      'corrupt-image': 'Corrupt image',
      'too-many-pixels': 'Too many pixels',
      'unsupported-format': 'Unsupported format',
      'dicom-not-supported': 'DICOM (import again)',
      'dicom-bad-preamble': 'Not a DICOM file',
      'dicom-damaged': 'Damaged DICOM',
      'dicom-unsupported': 'DICOM encoding not supported',
      'dicom-truncated': 'Truncated DICOM',
      'file-too-large': 'File too large',
      'unreadable-file': 'Unreadable file',
    };
    for (const [kind, text] of Object.entries(expected)) expect(importErrorText(kind as ImportErrorKind)).toBe(text);
    expect(importErrorText(null)).toBe('Import failed');
  });
});

describe('bulk grading with digit keys', () => {
  it('gives DR grades 0–4 and refuses 5–9', () => {
    for (const digit of [0, 1, 2, 3, 4]) expect(gradeForDigit(drGrade, digit)).toEqual({ value: digit });
    expect(gradeForDigit(drGrade, 5)).toEqual({ refusal: 'Grades go from 0 to 4; 5 is not one of them.' });
    expect(gradeForDigit(drGrade, 9)).toEqual({ refusal: 'Grades go from 0 to 4; 9 is not one of them.' });
  });

  it('gives a multiclass project its class indices and refuses digits past the last class', () => {
    expect(gradeForDigit(dermoscopy, 0)).toEqual({ value: 0 });
    expect(gradeForDigit(dermoscopy, 6)).toEqual({ value: 6 });
    expect(gradeForDigit(dermoscopy, 7)).toEqual({ refusal: 'Class keys go from 0 to 6; 7 is not one of them.' });
    const twelve = taskSpecFor('multiclass', Array.from({ length: 12 }, (_, i) => `class ${i}`));
    expect(gradeForDigit(twelve, 9)).toEqual({ value: 9 });
  });

  it('refuses every digit in a multilabel project and points to Review', () => {
    const refusal = 'Bulk grading is not available for multilabel projects: open an image in Review (Enter) to set its labels.';
    expect(gradeForDigit(microscopy, 0)).toEqual({ refusal });
    expect(gradeForDigit(microscopy, 9)).toEqual({ refusal });
  });

  it('asks before grading more than 20 images, naming the label in the project’s words and how many labels it replaces', () => {
    expect(CONFIRM_ABOVE).toBe(20);
    const effect = (replaced: number) => ({ unlabelled: 0, same: 0, replaced });
    expect(confirmQuestion(drGrade, 200, 0, effect(57))).toBe(
      'Grade 200 images as 0 (No DR)? 57 already have a different grade, which will be replaced (undo with Ctrl+Z).',
    );
    expect(confirmQuestion(drGrade, 21, 2, effect(1))).toBe(
      'Grade 21 images as 2 (Moderate NPDR)? 1 already has a different grade, which will be replaced (undo with Ctrl+Z).',
    );
    expect(confirmQuestion(dermoscopy, 250, 4, effect(0))).toBe('Grade 250 images as mel? None of them has a different class, so no existing class is replaced.');
    expect(confirmQuestion(drGrade, 12_345, 0, effect(2_000))).toBe(
      `Grade ${(12_345).toLocaleString()} images as 0 (No DR)? ${(2_000).toLocaleString()} already have a different grade, which will be replaced (undo with Ctrl+Z).`,
    );
    expect(confirmQuestion(drGrade, 30, 1, null)).toMatch(/could not be counted; any such grade will be replaced \(undo with Ctrl\+Z\)\.$/);
  });

  it('reports what was graded and how to undo it', () => {
    expect(gradedMessage(drGrade, 1, 0, 0)).toBe('Graded 1 image as 0 (No DR). Ctrl+Z undoes.');
    expect(gradedMessage(drGrade, 3, 4, 0)).toBe('Graded 3 images as 4 (Proliferative DR). Ctrl+Z undoes.');
    expect(gradedMessage(dermoscopy, 2, 5, 0)).toBe('Graded 2 images as nv. Ctrl+Z undoes.');
  });

  it('reports the selected images that could not be imported and were skipped', () => {
    expect(gradedMessage(drGrade, 3, 1, 1)).toBe(
      'Graded 3 images as 1 (Mild NPDR). 1 image that could not be imported was skipped. Ctrl+Z undoes.',
    );
    expect(gradedMessage(drGrade, 1, 1, 4)).toBe(
      'Graded 1 image as 1 (Mild NPDR). 4 images that could not be imported were skipped. Ctrl+Z undoes.',
    );
  });

  it('reports an undo of a bulk grade', () => {
    expect(undoneMessage(0)).toBe('Nothing to undo.');
    expect(undoneMessage(1)).toBe('Undone: 1 image back to its previous label.');
    expect(undoneMessage(30)).toBe('Undone: 30 images back to their previous label.');
  });
});

describe('row slots for recycling', () => {
  it('never gives two rows on screen the same slot, at any scroll position and height', () => {
    for (const height of [0, 100, 203, 900, 1400, 2160]) {
      const slots = rowSlots(height);
      for (let scrollTop = 0; scrollTop < 5000; scrollTop += 37) {
        const { first, last } = visibleRows(scrollTop, height, 10_000);
        const used = new Set<number>();
        for (let row = first; row <= last; row++) used.add(row % slots);
        expect(used.size).toBe(last - first + 1);
      }
    }
  });
});
