"""How a command line is split into a program's words on Windows (the guides' and the programs' printed
    commands are checked with it, and with shlex.split for Linux shells)."""


def windows_split(line: str) -> list[str]:
    """How a Windows program's C runtime (CommandLineToArgvW) splits its command line: whitespace outside
    double quotes separates; 2n backslashes before a quote are n and the quote toggles, 2n+1 are n and a
    literal quote; other backslashes are themselves."""
    words, word, quoted, at, started = [], [], False, 0, False
    while at < len(line):
        char = line[at]
        if char == "\\":
            run_end = at
            while run_end < len(line) and line[run_end] == "\\":
                run_end += 1
            count = run_end - at
            if run_end < len(line) and line[run_end] == '"':
                word.append("\\" * (count // 2))
                if count % 2:
                    word.append('"')
                    run_end += 1
                at, started = run_end, True
                continue
            word.append("\\" * count)
            at, started = run_end, True
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started:
                words.append("".join(word))
            word, started = [], False
        else:
            word.append(char)
            started = True
        at += 1
    if started:
        words.append("".join(word))
    return words
