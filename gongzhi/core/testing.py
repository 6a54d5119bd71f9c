"""Helpers for the apps' tests."""

import threading

from django.db import connections


def race(n: int, fn) -> list:
    """Run fn(i) in n threads released together (each on its own database connection, closed
    afterwards); returns the list of results, an exception standing for its thread's result."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - the result is the exception
            out[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def tiny_image(fmt: str = "PNG", *, gps: bool = False) -> bytes:
    """A real 4×4 image (Pillow can decode it), with an EXIF GPS block when asked (JPEG only)."""
    import io

    from PIL import Image

    img = Image.new("RGB", (4, 4), (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (30.0, 39.0, 12.5), 3: "E", 4: (104.0, 4.0, 33.1)}  # GPSInfo IFD
        exif[0x010F] = "PhoneMaker"
        img.save(out, fmt, exif=exif)
    else:
        img.save(out, fmt)
    return out.getvalue()
