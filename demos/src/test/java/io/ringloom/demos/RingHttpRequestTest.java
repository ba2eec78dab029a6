package io.ringloom.demos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ringhttp's request head parsing ({@code RingHttp.Request.read}): what it accepts and what it answers 400. */
class RingHttpRequestTest {
    private static RingHttp.Request parse(String head) throws IOException {
        return RingHttp.Request.read(new HttpInput(new ByteArrayInputStream(head.getBytes(StandardCharsets.ISO_8859_1))));
    }

    private static void assertBad(String head) {
        RingHttp.BadRequest e = assertThrows(RingHttp.BadRequest.class, () -> parse(head), head);
        assertEquals(400, e.status, head);
    }

    @Test
    void readsMethodPathAndTheDefaultKeepAliveOfEachVersion() throws IOException {
        RingHttp.Request r = parse("GET /a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("GET", r.method());
        assertEquals("/a/b?c=d", r.path());
        assertTrue(r.keepAlive(), "HTTP/1.1 keeps the connection by default");
        assertFalse(parse("GET / HTTP/1.0\r\n\r\n").keepAlive(), "HTTP/1.0 closes by default");
        assertFalse(parse("GET / HTTP/1.10\r\n\r\n").keepAlive(), "only HTTP/1.1 itself keeps by default");
    }

    @Test
    void theConnectionFieldDecidesInAnyCaseAndWithBlanks() throws IOException {
        assertFalse(parse("GET / HTTP/1.1\r\nHost: x\r\nCONNECTION :  Close \r\n\r\n").keepAlive());
        assertTrue(parse("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n").keepAlive());
        assertTrue(parse("GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n").keepAlive(), "another field's name");
        assertTrue(parse("GET / HTTP/1.1\r\nUser-Agent: connection: close\r\n\r\n").keepAlive(), "a value");
    }

    @Test
    void aBodyOfContentLengthIsSkippedAndTheNextHeadRead() throws IOException {
        HttpInput in = new HttpInput(new ByteArrayInputStream(
                "POST /p HTTP/1.1\r\ncontent-length: 3\r\n\r\nabcGET /q HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("/p", RingHttp.Request.read(in).path());
        assertEquals("/q", RingHttp.Request.read(in).path());
    }

    @Test
    void malformedHeadsAre400() {
        assertBad("NONSENSE\r\n\r\n");
        assertBad("GET /\r\n\r\n");
        assertBad("GET  / HTTP/1.1\r\n\r\n");
        assertBad("GET / HTTP/1.1 \r\n\r\n");
        assertBad("GET / x HTTP/1.1\r\n\r\n");
        assertBad("GET x HTTP/1.1\r\n\r\n");
        assertBad("GET / HTTP/2\r\n\r\n");
        assertBad(" / HTTP/1.1\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\nno colon here\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\nfoo\r\nA: b\r\n\r\n");   // the colon found is on a later line
        assertBad("GET\r\nA: b c\r\n\r\n");                    // the spaces found are in a field
        assertBad("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\n: empty name\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n");
        assertBad("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    }
}
