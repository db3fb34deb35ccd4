/** The shapes shared by the image modules: formats, compressions, what detection found. */

/** What an image holds: dump(8) records, a tar archive, or the bytes of a whole disk (raw or qcow2). */
export type ImageFormat = 'dump' | 'tarball' | 'raw' | 'qcow2';

export const IMAGE_FORMATS: readonly ImageFormat[] = ['dump', 'tarball', 'raw', 'qcow2'];

/** How the image file is compressed, as a whole stream. */
export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

export interface DetectedImage {
  /** Absolute path of the image file. */
  path: string;
  format: ImageFormat;
  compression: Compression;
  /**
   * Bytes the image occupies on a disk when known without decompressing: qcow2 virtual size, an
   * uncompressed raw file's size.
   */
  virtualSize?: number;
}

/** What classifyHead makes of the first bytes of a file. */
export interface HeadClass {
  /** 'compressed' when the head is compressed and the decompressed head was not given. */
  format: ImageFormat | 'compressed';
  compression: Compression;
}

/** What inspectQcow2Header accepts. */
export interface Qcow2Info {
  version: 2 | 3;
  /** Guest-visible size in bytes. */
  virtualSize: number;
  clusterBits: number;
  /** Bytes of the fixed header (72 for version 2). */
  headerLength: number;
  /** The image was not closed cleanly (lazy refcounts); read-only use is fine. */
  dirty: boolean;
}

export interface GrowResult {
  /** The last partition was made larger. */
  grown: boolean;
  /** Number of the partition that was grown (or that would have been, when refused). */
  partition?: number;
}

/** Describe a format and compression the way messages name them: "zstd tarball", "raw disk image". */
export function describeImage(format: ImageFormat, compression: Compression): string {
  const what = format === 'raw' ? 'raw disk image' : format === 'dump' ? 'dump(8) image' : format;
  return compression === 'none' ? what : `${compression} ${what}`;
}
