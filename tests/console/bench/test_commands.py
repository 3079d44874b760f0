"""The console's benchmark commands (console/bench/) find the files they read where they live: the labelled posts
of the queue's tests, and the repository whose app the queue benchmark serves with gunicorn."""

from console.bench import queue, words


def test_the_risk_word_benchmark_reads_every_labelled_set():
    assert sorted(path.name for path in words.DATA.glob("labelled_posts*.tsv")) == [
        "labelled_posts.tsv", "labelled_posts_held_out.tsv", "labelled_posts_held_out_2.tsv"]


def test_the_queue_benchmark_serves_the_app_from_the_repository():
    assert (queue.ROOT / "wsgi.py").is_file() and (queue.ROOT / "console" / "bench" / "queue.py").is_file()
