package com.targeting.core.sink.dynamodb;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.io.compress.Compressor;
import org.apache.hadoop.io.compress.GzipCodec;

/**
 * Standard gzip files ({@code .gz}, readable by DynamoDB's Import from S3 and by any gzip reader)
 * written at the fastest deflate level. Hadoop's {@link GzipCodec} without native zlib always
 * deflates at the default level, which made compressing the export the slowest part of it; the
 * import bills the uncompressed size, so the larger files cost nothing there. Reading is
 * inherited unchanged.
 */
public final class FastGzipCodec extends GzipCodec {
  @Override
  public CompressionOutputStream createOutputStream(OutputStream out) throws IOException {
    return new FastGzipStream(out);
  }

  @Override
  public CompressionOutputStream createOutputStream(OutputStream out, Compressor compressor) throws IOException {
    return createOutputStream(out);
  }

  private static final class FastGzipStream extends CompressionOutputStream {
    FastGzipStream(OutputStream out) throws IOException {
      super(new GZIPOutputStream(out, 64 * 1024) {
        {
          def.setLevel(Deflater.BEST_SPEED);
        }
      });
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
      out.write(data, offset, length);
    }

    @Override
    public void finish() throws IOException {
      ((GZIPOutputStream) out).finish();
    }

    @Override
    public void resetState() {
      // one stream per file: nothing to reset
    }
  }
}
