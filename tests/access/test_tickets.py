"""Tickets, CSRF tokens and API token headers, as Proxmox makes and checks
them; the auth key's rotation through a real ConfigFS."""

import base64
import re
import shutil
import subprocess

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from pve.access import apitoken, csrf, tickets
from pve.access.apitoken import TokenError
from pve.access.tickets import AuthKeys, TicketError
from pve.cluster.client import DirectClient
from tests.cluster.test_client import make_root, open_cfs

T = 1700000000
HOUR = 3600
DAY = 24 * HOUR

_pool = {}


def key(bits=2048, index=0):
    """The *index*-th test key of *bits* bits, made once per process."""
    keys = _pool.setdefault(bits, [])
    while len(keys) <= index:
        keys.append(tickets.new_rsa_key(bits))
    return keys[index]


class Keygen:
    """A ``keygen(bits)`` handing out distinct pooled keys in turn."""

    def __init__(self):
        self.used = {}

    def __call__(self, bits):
        index = self.used.get(bits, 0)
        self.used[bits] = index + 1
        return key(bits, index)


def keys_for(private, mtime, old=None, old_mtime=None):
    return AuthKeys(private, private.public_key(), mtime,
                    old.public_key() if old else None, old_mtime)


class TicketFormatTests(unittest.TestCase):
    def test_format_and_signature(self):
        ticket = tickets.assemble_ticket(key(), "root@pam", T)
        m = re.fullmatch(r"PVE:root@pam:([0-9A-F]{8})::([A-Za-z0-9+/=]+)",
                         ticket)
        self.assertIsNotNone(m)
        self.assertEqual(int(m.group(1), 16), T)
        # standard base64 with padding of a 2048-bit signature
        self.assertEqual(len(m.group(2)), 344)
        sig = base64.b64decode(m.group(2))
        key().public_key().verify(sig, b"PVE:root@pam:%X" % T,
                                  padding.PKCS1v15(), hashes.SHA1())

    def test_round_trip(self):
        keys = keys_for(key(), T - 3 * HOUR)
        ticket = tickets.assemble_ticket(key(), "root@pam", T)
        info = tickets.verify_ticket(keys, ticket, T + 10)
        self.assertEqual(info, ("root@pam", 10, None))

    def test_colon_escaped(self):
        ticket = tickets.assemble_ticket(key(), "a:b@pve", T)
        self.assertTrue(ticket.startswith("PVE:a%3Ab@pve:"))
        found = tickets.verify_rsa_ticket(key().public_key(), "PVE", ticket,
                                          T, -300, 7200)
        self.assertEqual(found, ("a:b@pve", 0))

    def test_aad_is_signed(self):
        keys = keys_for(key(), T - 3 * HOUR)
        ticket = tickets.assemble_ticket(key(), "!tfa!{}", T, aad="root@pam")
        self.assertEqual(
            tickets.verify_ticket(keys, ticket, T, aad="root@pam"), "{}")
        self.assertRaises(TicketError, tickets.verify_ticket, keys, ticket,
                          T, aad="joe@pam")
        self.assertRaises(TicketError, tickets.verify_ticket, keys, ticket, T)

    def test_tfa_data(self):
        keys = keys_for(key(), T - 3 * HOUR)

        def check(data):
            return tickets.verify_ticket(
                keys, tickets.assemble_ticket(key(), data, T), T)
        self.assertEqual(check("tfa!joe@pve"),
                         ("joe@pve", 0, {"type": "tfa"}))
        self.assertEqual(check("!tfa!{\"x\":1}"),
                         (None, 0, {"type": "new", "data": "{\"x\":1}"}))
        self.assertEqual(check("u2f!joe@pve!verified"),
                         ("joe@pve", 0, {"type": "u2f", "challenge": None}))
        self.assertRaises(TicketError, check, "no-realm")


class TicketAgeTests(unittest.TestCase):
    keys = keys_for(key(), T - 3 * HOUR)

    def verify(self, made, now, keys=None):
        ticket = tickets.assemble_ticket(key(), "root@pam", made)
        return tickets.verify_ticket(keys or self.keys, ticket, now)

    def test_lifetime_two_hours(self):
        self.assertEqual(self.verify(T, T + 7199).age, 7199)
        self.assertRaises(TicketError, self.verify, T, T + 7200)

    def test_future_within_five_minutes(self):
        self.assertEqual(self.verify(T + 299, T).age, -299)
        self.assertRaises(TicketError, self.verify, T + 300, T)

    def test_young_key_bounds_ticket_age(self):
        # a key one hour old cannot have signed a ticket older than 1h05
        keys = keys_for(key(), T - HOUR)
        self.assertEqual(self.verify(T - HOUR - 299, T, keys).age,
                         HOUR + 299)
        self.assertRaises(TicketError, self.verify, T - HOUR - 300, T, keys)

    def test_age_range(self):
        r = tickets.ticket_age_range
        self.assertEqual(r(T, T - 3 * HOUR), (-300, 7200))
        self.assertEqual(r(T, T - HOUR), (-300, HOUR + 300))
        self.assertEqual(r(T, T + 50), (-300, 300))
        # a key overdue by an hour: tickets younger than that are refused
        self.assertEqual(r(T, T - DAY - HOUR), (HOUR, 7200))
        self.assertEqual(r(T, T - DAY - HOUR, quorate=False), (-300, 7200))
        self.assertIsNone(r(T, T - DAY - 3 * HOUR))
        # rotated key: only tickets made before the rotation
        self.assertEqual(r(T, T - HOUR, rotated=True), (HOUR - 300, 7200))
        self.assertIsNone(r(T, T - 3 * HOUR, rotated=True))

    def test_forged(self):
        ticket = tickets.assemble_ticket(key(), "joe@pve", T)
        forged = ticket.replace("joe@pve", "root@pam")
        self.assertRaises(TicketError, tickets.verify_ticket, self.keys,
                          forged, T)
        plain, sig = ticket.split("::")
        raw = bytearray(base64.b64decode(sig))
        raw[10] ^= 1
        bad = plain + "::" + base64.b64encode(bytes(raw)).decode()
        self.assertRaises(TicketError, tickets.verify_ticket, self.keys, bad,
                          T)
        for junk in ("", "PVE:root@pam", plain + "::", plain + "::%%%",
                     plain + ":: " + sig, "PVX" + ticket[3:],
                     plain + "::" + sig[:-10]):
            self.assertRaises(TicketError, tickets.verify_ticket, self.keys,
                              junk, T)

    def test_wrong_key(self):
        ticket = tickets.assemble_ticket(key(index=1), "root@pam", T)
        self.assertRaises(TicketError, tickets.verify_ticket, self.keys,
                          ticket, T)

    def test_old_key_after_rotation(self):
        old, new = key(), key(index=1)
        rotated = T + 100
        keys = keys_for(new, rotated, old, rotated)
        before = tickets.assemble_ticket(old, "root@pam", T)
        self.assertEqual(tickets.verify_ticket(keys, before, T + 200).age,
                         200)
        # made with the old key well after the rotation: refused
        late = tickets.assemble_ticket(old, "root@pam", rotated + 1000)
        self.assertRaises(TicketError, tickets.verify_ticket, keys, late,
                          rotated + 1010)
        fresh = tickets.assemble_ticket(new, "root@pam", T + 300)
        self.assertEqual(tickets.verify_ticket(keys, fresh, T + 310).age, 10)


class CheckAuthkeyTests(unittest.TestCase):
    def rotate(self, *args, **kw):
        return not tickets.check_authkey(*args, **kw)[0]

    def test_decisions(self):
        self.assertTrue(self.rotate(T, None))
        self.assertFalse(self.rotate(T, T - DAY + 1))
        self.assertTrue(self.rotate(T, T - DAY))
        self.assertFalse(self.rotate(T, T + 300))
        self.assertTrue(self.rotate(T, T + 301))
        # made in the future but the old key is recent: leave it
        self.assertFalse(self.rotate(T, T + 400, old_mtime=T + 350))
        self.assertTrue(self.rotate(T, T + 400, old_mtime=T + 400 - 7200))
        # without quorum nothing can be written anyway
        self.assertFalse(self.rotate(T, None, quorate=False))
        self.assertEqual(tickets.check_authkey(T, T - DAY)[1],
                         "auth key pair too old, rotating..")

    def test_rotation_files(self):
        files = tickets.rotation_files(key(index=1), key().public_key())
        self.assertEqual([p for p, _ in files],
                         ["authkey.pub.old", "authkey.pub",
                          "priv/authkey.key"])
        self.assertEqual(files[0][1], tickets.public_pem(key()))
        self.assertTrue(files[1][1].startswith(b"-----BEGIN PUBLIC KEY"))
        self.assertTrue(files[2][1].startswith(b"-----BEGIN RSA PRIVATE"))
        self.assertEqual([p for p, _ in tickets.rotation_files(key())],
                         ["authkey.pub", "priv/authkey.key"])


class RotationTests(unittest.TestCase):
    """The key pair in a real ConfigFS, time on a task.Clock."""

    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(T)
        self.cfs = open_cfs(self, make_root(self), self.clock)
        self.client = DirectClient(self.cfs, reactor, clock=self.clock)
        self.keygen = Keygen()

    def ensure(self):
        return tickets.ensure_authkey(self.client, self.clock,
                                      keygen=self.keygen)

    @defer.inlineCallbacks
    def test_create_rotate_and_verify_old(self):
        keys = yield self.ensure()
        self.assertEqual((keys.mtime, keys.old_public), (T, None))
        ticket = tickets.assemble_ticket(keys.private, "root@pam",
                                         self.clock.seconds())
        first_pub = self.cfs.read("authkey.pub")
        self.assertEqual(self.cfs.stat("priv/authkey.key").mode, 0o600)
        self.assertEqual(self.cfs.stat("authkey.pub").mode, 0o640)

        self.clock.advance(HOUR)
        again = yield self.ensure()
        self.assertEqual(again.mtime, T)            # new enough: kept

        self.clock.advance(DAY - HOUR)
        rotated = yield self.ensure()
        self.assertEqual(rotated.mtime, T + DAY)
        self.assertEqual(self.cfs.read("authkey.pub.old"), first_pub)
        self.assertNotEqual(self.cfs.read("authkey.pub"), first_pub)
        self.assertEqual(self.cfs.stat("authkey.pub.old").mtime, T + DAY)
        # the old ticket is too old by now; one made just before the
        # rotation still verifies with the old key
        self.assertRaises(TicketError, tickets.verify_ticket, rotated,
                          ticket, self.clock.seconds())
        late = tickets.assemble_ticket(keys.private, "root@pam",
                                       self.clock.seconds() - 60)
        self.clock.advance(30)
        info = tickets.verify_ticket(rotated, late, self.clock.seconds())
        self.assertEqual(info.age, 90)
        self.assertFalse(self.cfs.listdir("priv/lock"))

    @defer.inlineCallbacks
    def test_rotate_skips_fresh_key(self):
        yield self.ensure()
        done = yield tickets.rotate_authkey(self.client, self.clock,
                                            keygen=self.keygen)
        self.assertFalse(done)

    @defer.inlineCallbacks
    def test_private_key_missing(self):
        yield self.ensure()
        self.cfs.delete("priv/authkey.key")
        keys = yield self.ensure()
        self.assertIsNotNone(keys.private)
        self.assertEqual(tickets.public_pem(keys.private),
                         self.cfs.read("authkey.pub"))


class ShortTicketTests(unittest.TestCase):
    keys = keys_for(key(), T - HOUR)

    def test_vnc_round_trip(self):
        t = tickets.assemble_vnc_ticket(key(), "root@pam", "/vms/100", T,
                                        port=5900)
        self.assertTrue(re.fullmatch(r"PVEVNC:[0-9A-F]{8}::\S+", t))
        age = tickets.verify_vnc_ticket(self.keys, t, "root@pam",
                                        "//vms/100/", T + 39, port=5900)
        self.assertEqual(age, 39)
        # as the VNC password: 8 characters and a colon in front
        self.assertEqual(tickets.verify_vnc_ticket(
            self.keys, "abcdefgh:" + t, "root@pam", "/vms/100", T, 5900), 0)

    def test_vnc_bound(self):
        t = tickets.assemble_vnc_ticket(key(), "root@pam", "/vms/100", T,
                                        port=5900)
        bad = [("joe@pam", "/vms/100", T, 5900),
               ("root@pam", "/vms/101", T, 5900),
               ("root@pam", "/vms/100", T, 5901),
               ("root@pam", "/vms/100", T, None),
               ("root@pam", "/vms/100", T + 40, 5900),
               ("root@pam", "/vms/100", T - 20, 5900)]
        for user, path, now, port in bad:
            self.assertRaises(TicketError, tickets.verify_vnc_ticket,
                              self.keys, t, user, path, now, port)

    def test_overdue_key(self):
        keys = keys_for(key(), T - DAY - 1)
        t = tickets.assemble_vnc_ticket(key(), "root@pam", "/vms/100", T)
        self.assertRaises(TicketError, tickets.verify_vnc_ticket, keys, t,
                          "root@pam", "/vms/100", T)

    def test_tunnel_and_paths(self):
        t = tickets.assemble_short_ticket(key(), "PVETUNNEL", "root@pam",
                                          "/socket/run/x.storage", T)
        self.assertEqual(tickets.verify_short_ticket(
            self.keys, "PVETUNNEL", t, "root@pam", "/socket/run/x.storage",
            T), 0)
        # paths are normalized before they are signed
        t = tickets.assemble_vnc_ticket(key(), "root@pam", "vms//100/", T)
        self.assertEqual(tickets.verify_vnc_ticket(
            self.keys, t, "root@pam", "/vms/100", T), 0)
        self.assertRaises(TicketError, tickets.assemble_vnc_ticket, key(),
                          "root@pam", "/vms/1 0", T)
        self.assertRaises(TicketError, tickets.assemble_vnc_ticket, key(),
                          "root@pam", "", T)


PERL_SIGN = r"""
use Crypt::OpenSSL::RSA; use MIME::Base64; use Digest::SHA;
local $/; my $pem = <STDIN>;
my $k = Crypt::OpenSSL::RSA->new_private_key($pem);
my $pub = Crypt::OpenSSL::RSA->new_public_key(
    $k->get_public_key_x509_string());
my ($plain, $ticket) = @ARGV;
my ($p, $s) = $ticket =~ m/^(.*)::([^:\s]+)$/;
print encode_base64($k->sign($plain), ''), "\n";
print $pub->verify($p, decode_base64($s)) ? "ok\n" : "bad\n";
print Digest::SHA::hmac_sha256_base64($pem), "\n";
"""


class PerlInteropTests(unittest.TestCase):
    """Against Perl's Crypt::OpenSSL::RSA and Digest::SHA with the defaults
    Proxmox relies on, where Perl has them."""

    def setUp(self):
        if not shutil.which("perl") or subprocess.call(
                ["perl", "-MCrypt::OpenSSL::RSA", "-MDigest::SHA", "-e1"],
                stderr=subprocess.DEVNULL) != 0:
            raise unittest.SkipTest("no perl with Crypt::OpenSSL::RSA")

    def test_signatures_and_secret(self):
        pem = tickets.private_pem(key())
        ticket = tickets.assemble_ticket(key(), "root@pam", T)
        plain = "PVE:joe@pve:%08X" % T
        out = subprocess.run(["perl", "-e", PERL_SIGN, plain, ticket],
                             input=pem, stdout=subprocess.PIPE,
                             check=True).stdout.decode().split("\n")
        perl_ticket = plain + "::" + out[0]
        keys = keys_for(key(), T - 3 * HOUR)
        self.assertEqual(tickets.verify_ticket(keys, perl_ticket, T).username,
                         "joe@pve")
        self.assertEqual(out[1], "ok")
        self.assertEqual(out[2], csrf.csrf_secret(pem))


class CSRFTests(unittest.TestCase):
    secret = csrf.csrf_secret(b"-----BEGIN PRIVATE KEY-----\nx\n")

    def test_secret(self):
        # Digest::SHA::hmac_sha256_base64("abc"): "abc" is the key
        self.assertEqual(csrf.csrf_secret(b"abc"),
                         "4mNgd1BnKaj2Gv8kQTMuQOhEqK1ESJ79gCEOptH1EIg")

    def test_round_trip(self):
        token = csrf.assemble_csrf_token(self.secret, "root@pam", T)
        self.assertRegex(token, r"^%08X:[A-Za-z0-9+/]{43}$" % T)
        self.assertTrue(csrf.verify_csrf_token(self.secret, "root@pam",
                                               token, T + 7199))
        self.assertTrue(csrf.verify_csrf_token(self.secret, "root@pam",
                                               token, T - 299))

    def test_invalid(self):
        token = csrf.assemble_csrf_token(self.secret, "root@pam", T)
        other = csrf.csrf_secret(b"other")
        for secret, user, tok, now in [
                (self.secret, "joe@pam", token, T),
                (other, "root@pam", token, T),
                (self.secret, "root@pam", token.lower(), T),
                (self.secret, "root@pam", token[:-1] + "A", T),
                (self.secret, "root@pam", "", T),
                (self.secret, "root@pam", token + " x", T),
                (self.secret, "root@pam", token, T + 7200),
                (self.secret, "root@pam", token, T - 300)]:
            e = self.assertRaises(csrf.CSRFError, csrf.verify_csrf_token,
                                  secret, user, tok, now)
            self.assertEqual(str(e), "Permission denied - invalid csrf token")
            self.assertEqual(e.code, 401)

    def test_spice(self):
        password, proxy = csrf.assemble_spice_ticket(
            self.secret, "root@pam", 100, "Node1", T, port=61000)
        self.assertRegex(password, "^[0-9a-f]{40}$")
        self.assertRegex(proxy, r"^pvespiceproxy:%08x:100:node1:61000::"
                         r"[0-9a-f]{40}$" % T)
        url = proxy + ":61000"
        self.assertEqual(csrf.verify_spice_connect_url(self.secret, url,
                                                       T + 39),
                         ("100", "node1", "61000"))
        self.assertIsNone(csrf.verify_spice_connect_url(self.secret, url,
                                                        T + 40))
        self.assertIsNone(csrf.verify_spice_connect_url(
            self.secret, proxy + ":61001", T))
        self.assertIsNone(csrf.verify_spice_connect_url(
            csrf.csrf_secret(b"x"), url, T))


class APITokenTests(unittest.TestCase):
    def test_parse(self):
        parse = apitoken.parse_authorization
        self.assertEqual(parse("PVEAPIToken=root@pam!mytoken=1234-abcd"),
                         ("root@pam!mytoken", "root@pam", "mytoken",
                          "1234-abcd"))
        # a space instead of '=', URI escapes, a ';' ends the value
        self.assertEqual(parse("PVEAPIToken root%40pam!tok=s3cret; x=1"),
                         ("root@pam!tok", "root@pam", "tok", "s3cret"))
        self.assertEqual(parse("Other=1 PVEAPIToken=a@b.c@ad!t.-_1=x")[1:3],
                         ("a@b.c@ad", "t.-_1"))

    def test_malformed(self):
        cases = {
            None: "no API token specified",
            "": "no API token specified",
            "Bearer xyz": "no API token specified",
            "XPVEAPIToken=root@pam!tok=x": "no API token specified",
            "PVEAPIToken=root@pam!tok": "no tokenid specified",
            "PVEAPIToken=root@pam=x": "'root@pam' is not a valid token ID"
                                      " - not able to split into user and"
                                      " token parts",
            "PVEAPIToken=root@pam!t=x": None,          # subid too short
            "PVEAPIToken=root@1pam!tok=x": None,       # realm: a letter first
            "PVEAPIToken=ro:ot@pam!tok=x": None,
            "PVEAPIToken=root@pam!tok=x=y": None,      # split at the last '='
            "PVEAPIToken=r@p!tok=x": None,             # realm too short
        }
        for header, message in cases.items():
            e = self.assertRaises(TokenError, apitoken.parse_authorization,
                                  header)
            if message:
                self.assertEqual(str(e), message)
        e = self.assertRaises(TokenError, apitoken.parse_token_value,
                              "u" * 61 + "@pam!tok=x")
        self.assertEqual(str(e), "user name '%s@pam' is too long (65 > 64)"
                         % ("u" * 61))

    def test_credentials(self):
        c = apitoken.credentials
        self.assertEqual(c("a=b; PVEAuthCookie=PVE%3Aroot%40pam%3AX; c=d",
                           "PVEAPIToken=root@pam!t1=x"),
                         ("PVE:root@pam:X", None))
        self.assertEqual(c(None, "PVEAuthCookie=T1"), ("T1", None))
        self.assertEqual(c("other=1", "PVEAPIToken=root@pam!t1=x"),
                         (None, "root@pam!t1=x"))
        self.assertEqual(c(None, None), (None, None))

    def test_ids(self):
        self.assertEqual(apitoken.join_tokenid("root@pam", "tok"),
                         "root@pam!tok")
        self.assertRaises(TokenError, apitoken.join_tokenid, "root", "tok")
        self.assertEqual(apitoken.split_tokenid("a!b@pve!tok"),
                         ("a!b@pve", "tok"))
        self.assertEqual(apitoken.verify_username("joe@pve"),
                         ("joe@pve", "joe", "pve"))
        self.assertRaises(TokenError, apitoken.verify_username, "a@")
        self.assertRaises(TokenError, apitoken.verify_username, "x/y@pve")
        self.assertEqual(apitoken.verify_realm("pam"), "pam")
        self.assertRaises(TokenError, apitoken.verify_realm, "p")
